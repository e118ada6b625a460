import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SERVER_OPTIONS } from '@app/redis-streams';
import { K8sObject } from './support/k8s-object';
import {
  envProblems,
  gracePeriodProblems,
  probeProblems,
  secretProblems,
  securityProblems,
} from './support/invariants';
import { K8S_DIR, renderKustomization, renderWithComponent } from './support/render';
import { schemaProblems } from './support/schema-problems';
import { CLI_ENTRY, surfaceByImage } from './support/surface-by-image';

const OVERLAYS = ['base', 'overlays/dev', 'overlays/prod'];
const COMPONENTS = ['keda-prometheus', 'keda-redis-streams', 'hpa-cpu', 'prestop-exec', 'topology-job'];

/** Every rendering the repo offers: base, each overlay, each component on the dev overlay. */
const RENDERINGS: Array<[string, () => K8sObject[]]> = [
  ...OVERLAYS.map((dir): [string, () => K8sObject[]] => [dir, () => renderKustomization(join(K8S_DIR, dir))]),
  ...COMPONENTS.map((name): [string, () => K8sObject[]] => [
    `overlays/dev + components/${name}`,
    () => renderWithComponent(join(K8S_DIR, 'overlays/dev'), join(K8S_DIR, 'components', name)),
  ]),
];

describe('deploy/k8s', () => {
  const surfaceOf = surfaceByImage();

  describe.each(RENDERINGS)('%s', (_name, render) => {
    let objects: K8sObject[];
    beforeAll(() => {
      objects = render();
    });

    it('renders and every object matches its Kubernetes / CRD schema', () => {
      expect(objects.length).toBeGreaterThan(0);
      expect(schemaProblems(objects)).toEqual([]);
    });

    it('probes the paths the apps serve', () => {
      expect(probeProblems(objects, surfaceOf)).toEqual([]);
    });

    it('gives a drain more time than preStop + shutdown timeout', () => {
      expect(gracePeriodProblems(objects, DEFAULT_SERVER_OPTIONS.shutdownTimeoutMs)).toEqual([]);
    });

    it('runs every container non-root with a read-only root fs', () => {
      expect(securityProblems(objects)).toEqual([]);
    });

    it('sets only variables the apps read, credentials from the Secret', () => {
      expect(envProblems(objects, surfaceOf)).toEqual([]);
      expect(secretProblems(objects)).toEqual([]);
    });
  });

  it('prod runs the API with NODE_ENV=production and both tokens required', () => {
    const api = renderKustomization(join(K8S_DIR, 'overlays/prod')).find(
      (object) => object.kind === 'Deployment' && object.metadata.name === 'nest-redis-streams-api',
    );
    const env = JSON.stringify(api?.spec);
    expect(env).toContain('{"name":"NODE_ENV","value":"production"}');
    for (const key of ['ADMIN_TOKEN', 'EVENTS_TOKEN']) {
      expect(env).toContain(`{"key":"${key}","name":"nest-redis-streams-secrets","optional":false}`);
    }
  });

  it("ships config/streams.yaml unchanged as the topology ConfigMap's copy", () => {
    const root = join(K8S_DIR, '..', '..');
    expect(readFileSync(join(K8S_DIR, 'base/config/streams.yaml'), 'utf8')).toBe(
      readFileSync(join(root, 'config/streams.yaml'), 'utf8'),
    );
  });

  it('runs the CLI from where the library build puts it', () => {
    const lib = JSON.parse(readFileSync(join(K8S_DIR, '../../libs/redis-streams/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(CLI_ENTRY).toBe(`/app/dist/libs/redis-streams/${lib.bin['nest-redis-streams']}`);
  });
});
