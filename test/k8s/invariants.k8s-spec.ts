import { join } from 'node:path';
import { K8sObject } from './support/k8s-object';
import {
  envProblems,
  gracePeriodProblems,
  probeProblems,
  secretProblems,
  securityProblems,
} from './support/invariants';
import { K8S_DIR, renderKustomization } from './support/render';
import { schemaProblems } from './support/schema-problems';
import { surfaceByImage } from './support/surface-by-image';

type Container = Record<string, unknown> & { env: Array<Record<string, unknown>> };

/** A fresh copy of the prod rendering, and its two Deployments' pod specs for a mutation to break. */
function mutable(objects: readonly K8sObject[]): {
  objects: K8sObject[];
  api: { spec: Record<string, unknown>; container: Container };
  consumer: { spec: Record<string, unknown>; container: Container };
} {
  const copy = structuredClone(objects) as K8sObject[];
  const pod = (name: string): { spec: Record<string, unknown>; container: Container } => {
    const deployment = copy.find((object) => object.kind === 'Deployment' && object.metadata.name === name);
    const spec = (
      deployment?.spec as { template: { spec: Record<string, unknown> & { containers: Container[] } } }
    ).template.spec;
    return { spec, container: spec.containers[0] };
  };
  return { objects: copy, api: pod('nest-redis-streams-api'), consumer: pod('nest-redis-streams-consumer') };
}

// Each check must fail on a manifest broken in the way it guards against (else a green run proves nothing).
describe('deploy/k8s checks catch broken manifests', () => {
  const surfaceOf = surfaceByImage();
  let prod: K8sObject[];
  beforeAll(() => {
    prod = renderKustomization(join(K8S_DIR, 'overlays/prod'));
  });

  it('schema: a string where an integer belongs, a missing required field', () => {
    const { objects, consumer } = mutable(prod);
    consumer.spec.terminationGracePeriodSeconds = 'forty';
    const scaled = objects.find((object) => object.kind === 'ScaledObject');
    delete scaled?.spec?.triggers;
    const refs = schemaProblems(objects).map((problem) => problem.ref);
    expect(refs).toEqual(
      expect.arrayContaining([
        'Deployment/nest-redis-streams-consumer',
        'ScaledObject/nest-redis-streams-consumer',
      ]),
    );
  });

  it('probes: a path no controller serves, a missing readiness probe', () => {
    const { objects, api, consumer } = mutable(prod);
    (api.container.livenessProbe as { httpGet: { path: string } }).httpGet.path = '/healthz';
    delete consumer.container.readinessProbe;
    expect(probeProblems(objects, surfaceOf)).toHaveLength(2);
  });

  it('probes: the right path on an app that does not serve it', () => {
    const { objects } = mutable(prod);
    const noRoutes = (container: { image?: string }) => ({
      ...surfaceOf(container),
      routes: new Set<string>(),
    });
    expect(probeProblems(objects, noRoutes).length).toBeGreaterThan(0);
  });

  it('grace period: at or below preStop + shutdown timeout + margin', () => {
    const { objects, api, consumer } = mutable(prod);
    consumer.container.env.find((env) => env.name === 'CONSUMER_SHUTDOWN_TIMEOUT_MS')!.value = '40000';
    api.spec.terminationGracePeriodSeconds = 10; // preStop 5 + margin 5
    expect(gracePeriodProblems(objects, 10_000)).toHaveLength(2);
  });

  it('security: root, a writable root fs, an init container allowed to escalate', () => {
    const { objects, api, consumer } = mutable(prod);
    (api.spec.securityContext as Record<string, unknown>).runAsUser = 0;
    delete (api.container.securityContext as Record<string, unknown>).runAsUser;
    (consumer.container.securityContext as Record<string, unknown>).readOnlyRootFilesystem = false;
    const init = (consumer.spec.initContainers as Container[])[0];
    (init.securityContext as Record<string, unknown>).allowPrivilegeEscalation = true;
    expect(securityProblems(objects)).toEqual([
      'Deployment/nest-redis-streams-api/api: runAsUser is not 10001',
      'Deployment/nest-redis-streams-consumer/topology-init: allowPrivilegeEscalation is not false',
      'Deployment/nest-redis-streams-consumer/consumer: readOnlyRootFilesystem is not true',
    ]);
  });

  it("env: a variable the app does not read (the other app's, or a typo)", () => {
    const { objects, api, consumer } = mutable(prod);
    api.container.env.push({ name: 'CONSUMER_CONCURRENCY', value: '4' });
    consumer.container.env.push({ name: 'CONSUMER_CONCURENCY', value: '4' });
    expect(envProblems(objects, surfaceOf)).toHaveLength(2);
  });

  it('secrets: a token inlined, a Secret object rendered', () => {
    const { objects, api } = mutable(prod);
    api.container.env.push({ name: 'PUBLISH_TOKEN', value: 'inlined-secret-value' });
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'nest-redis-streams-secrets' } });
    expect(secretProblems(objects)).toHaveLength(2);
  });
});
