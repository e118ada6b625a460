import { AppSurface } from './app-surface';
import { K8sObject, refOf } from './k8s-object';

/** The image's user (the Dockerfile's numeric UID). */
export const IMAGE_UID = 10001;
/** Seconds the grace period must exceed preStop pause + the app's shutdown timeout by (closing connections, exit). */
export const GRACE_MARGIN_SECONDS = 5;
/** Variables that carry credentials: only ever from a Secret. */
export const SECRET_VARIABLES = ['REDIS_URL', 'ADMIN_TOKEN', 'EVENTS_TOKEN', 'PUBLISH_TOKEN'];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path?: string };
}
interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds?: number }; exec?: { command?: string[] } } };
  securityContext?: SecurityContext;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[] };
  seccompProfile?: { type?: string };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext;
}

/** Which app a container runs, by its image: the app's surface. */
export type SurfaceOf = (container: Container) => AppSurface;

/** The pod templates of Deployments and Jobs. */
function podsOf(objects: readonly K8sObject[]): Array<{ ref: string; pod: PodSpec }> {
  return objects
    .filter((object) => object.kind === 'Deployment' || object.kind === 'Job')
    .map((object) => ({
      ref: refOf(object),
      pod: (object.spec as { template: { spec: PodSpec } }).template.spec,
    }));
}

/** Every container (init containers included) of every pod template. */
function containersOf(
  objects: readonly K8sObject[],
): Array<{ ref: string; pod: PodSpec; container: Container }> {
  return podsOf(objects).flatMap(({ ref, pod }) =>
    [...(pod.initContainers ?? []), ...pod.containers].map((container) => ({
      ref: `${ref}/${container.name}`,
      pod,
      container,
    })),
  );
}

/** Deployments' main containers have the three probes, on paths their app serves (/health/live, /health/ready). */
export function probeProblems(objects: readonly K8sObject[], surfaceOf: SurfaceOf): string[] {
  const wanted = {
    startupProbe: '/health/live',
    livenessProbe: '/health/live',
    readinessProbe: '/health/ready',
  };
  return objects
    .filter((object) => object.kind === 'Deployment')
    .flatMap((object) => {
      const pod = (object.spec as { template: { spec: PodSpec } }).template.spec;
      return pod.containers.flatMap((container) =>
        Object.entries(wanted).flatMap(([probe, path]) => {
          const actual = container[probe as keyof typeof wanted]?.httpGet?.path;
          const where = `${refOf(object)}/${container.name} ${probe}`;
          if (actual !== path) return [`${where}: path ${String(actual)}, expected ${path}`];
          if (!surfaceOf(container).routes.has(actual)) return [`${where}: the app serves no ${actual}`];
          return [];
        }),
      );
    });
}

/** Seconds of the preStop pause (`sleep` handler, or `node -e setTimeout(…, ms)`), 0 without one. */
export function preStopSeconds(container: Container): number {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep?.seconds !== undefined) return preStop.sleep.seconds;
  const script = preStop?.exec?.command?.join(' ') ?? '';
  const ms = /setTimeout\([^,]*,\s*(\d+)\s*\)/.exec(script);
  return ms ? Number(ms[1]) / 1000 : 0;
}

/** The app's shutdown timeout in seconds: CONSUMER_SHUTDOWN_TIMEOUT_MS as set, else `defaultMs`. */
function shutdownSeconds(container: Container, defaultMs: number): number {
  const set = container.env?.find((env) => env.name === 'CONSUMER_SHUTDOWN_TIMEOUT_MS')?.value;
  return (set === undefined ? defaultMs : Number(set)) / 1000;
}

/** terminationGracePeriodSeconds > preStop pause + shutdown timeout + margin, for every container. */
export function gracePeriodProblems(objects: readonly K8sObject[], defaultShutdownMs: number): string[] {
  return podsOf(objects).flatMap(({ ref, pod }) => {
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    return pod.containers.flatMap((container) => {
      const needed =
        preStopSeconds(container) + shutdownSeconds(container, defaultShutdownMs) + GRACE_MARGIN_SECONDS;
      return grace > needed
        ? []
        : [`${ref}/${container.name}: terminationGracePeriodSeconds ${grace} is not above ${needed}`];
    });
  });
}

/** Non-root (UID 10001), read-only root fs, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
export function securityProblems(objects: readonly K8sObject[]): string[] {
  return containersOf(objects).flatMap(({ ref, pod, container }) => {
    const own = container.securityContext ?? {};
    const podContext = pod.securityContext ?? {};
    const problems: string[] = [];
    if ((own.runAsNonRoot ?? podContext.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
    if ((own.runAsUser ?? podContext.runAsUser) !== IMAGE_UID) problems.push(`runAsUser is not ${IMAGE_UID}`);
    if (own.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
    if (own.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
    if (!(own.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities do not drop ALL');
    if ((own.seccompProfile ?? podContext.seccompProfile)?.type !== 'RuntimeDefault') {
      problems.push('seccompProfile is not RuntimeDefault');
    }
    return problems.map((problem) => `${ref}: ${problem}`);
  });
}

/** Every variable a container sets is one its app reads. */
export function envProblems(objects: readonly K8sObject[], surfaceOf: SurfaceOf): string[] {
  return containersOf(objects).flatMap(({ ref, container }) => {
    const known = surfaceOf(container).variables;
    return (container.env ?? [])
      .filter((env) => !known.has(env.name))
      .map((env) => `${ref}: ${env.name} is not a variable of its app`);
  });
}

/** Credentials come from Secret references: never a literal value, and no Secret object is rendered. */
export function secretProblems(objects: readonly K8sObject[]): string[] {
  const inlined = containersOf(objects).flatMap(({ ref, container }) =>
    (container.env ?? [])
      .filter((env) => SECRET_VARIABLES.includes(env.name) && env.valueFrom?.secretKeyRef === undefined)
      .map((env) => `${ref}: ${env.name} is not a secretKeyRef`),
  );
  const secrets = objects
    .filter((object) => object.kind === 'Secret')
    .map((object) => `${refOf(object)} is rendered`);
  return [...inlined, ...secrets];
}
