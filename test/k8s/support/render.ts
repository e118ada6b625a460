import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { K8sObject } from './k8s-object';

/** Root of the kustomize tree. */
export const K8S_DIR = join(__dirname, '..', '..', '..', 'deploy', 'k8s');

/**
 * Renders a kustomization directory with `kubectl kustomize` (kustomize v5 inside kubectl ≥ 1.27: components and
 * `labels` need it) and parses the documents.
 */
export function renderKustomization(dir: string): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', dir], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(text)
    .map((document) => document.toJSON() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

/** Renders `overlay` with `component` added, through a throw-away kustomization that names both. */
export function renderWithComponent(overlay: string, component: string): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-component-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        `resources: [${JSON.stringify(relative(dir, overlay))}]`,
        `components: [${JSON.stringify(relative(dir, component))}]`,
        '',
      ].join('\n'),
    );
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
