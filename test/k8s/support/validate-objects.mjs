// Validates Kubernetes objects against the schemas of kubernetes-models (Kubernetes API) and its KEDA and
// prometheus-operator CRD packages. Those packages are ES modules only, which the CommonJS jest run cannot load, so
// the specs call this script: JSON array of objects on stdin → JSON array of problems on stdout
// ({ ref: "Kind/name", message }). An object of a kind no package knows is a problem too (nothing goes unchecked).
import { readFileSync } from 'node:fs';
import process from 'node:process';

const PACKAGES = {
  'keda.sh/': '@kubernetes-models/keda',
  'monitoring.coreos.com/': '@kubernetes-models/prometheus-operator',
};

/** The module path of `apiVersion` (`apps/v1` → kubernetes-models/apps/v1, `v1` → kubernetes-models/v1). */
function modulePath(apiVersion) {
  for (const [prefix, pkg] of Object.entries(PACKAGES)) {
    if (apiVersion.startsWith(prefix)) return `${pkg}/${apiVersion}`;
  }
  return `kubernetes-models/${apiVersion}`;
}

async function problemsOf(object) {
  const ref = `${object?.kind}/${object?.metadata?.name}`;
  if (typeof object?.apiVersion !== 'string' || typeof object?.kind !== 'string') {
    return [{ ref, message: 'apiVersion and kind are required' }];
  }
  let Model;
  try {
    Model = (await import(modulePath(object.apiVersion)))[object.kind];
  } catch {
    Model = undefined;
  }
  if (typeof Model !== 'function') {
    return [{ ref, message: `no schema for ${object.apiVersion} ${object.kind}` }];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [{ ref, message: String(error.message ?? error) }];
  }
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = (await Promise.all(objects.map(problemsOf))).flat();
process.stdout.write(JSON.stringify(problems));
