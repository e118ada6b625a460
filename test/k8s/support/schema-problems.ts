import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { K8sObject } from './k8s-object';

/** One object that does not match its schema. */
export interface SchemaProblem {
  ref: string;
  message: string;
}

/**
 * Every schema problem of `objects` (Kubernetes API and the KEDA / prometheus-operator CRDs, from kubernetes-models;
 * see validate-objects.mjs for why a child process).
 */
export function schemaProblems(objects: readonly K8sObject[]): SchemaProblem[] {
  const output = execFileSync(process.execPath, [join(__dirname, 'validate-objects.mjs')], {
    input: JSON.stringify(objects),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(output) as SchemaProblem[];
}
