/** A rendered Kubernetes object, as plain data (the fields the checks read are typed loosely on purpose). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

/** `Kind/name` of an object, for messages. */
export function refOf(object: K8sObject): string {
  return `${object.kind}/${object.metadata.name}`;
}
