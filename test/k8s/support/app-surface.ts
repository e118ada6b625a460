import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants';
import { API_ENV } from '../../../apps/api/src/config/api-config';
import { ApiModule } from '../../../apps/api/src/api.module';
import { readPublishSettings } from '../../../apps/api/src/publish/publish-settings';
import { CONSUMER_ENV } from '../../../apps/consumer/src/config/consumer-config';
import { ConsumerModule } from '../../../apps/consumer/src/consumer.module';

/** What a container of the manifests may rely on in the app it runs: its GET routes and its variables. */
export interface AppSurface {
  /** Paths the app's controllers serve, e.g. `/health/live`. */
  routes: ReadonlySet<string>;
  /** Environment variables the app reads. */
  variables: ReadonlySet<string>;
}

/**
 * Variables the API reads outside its typed config: NODE_ENV (the production-mode rules) and, until issue 16's
 * API part lands in API_ENV, EVENTS_TOKEN (the live-event endpoints' token; declared by the obs part).
 */
const API_EXTRA_VARIABLES = ['NODE_ENV', 'EVENTS_TOKEN'];

/** The variables the `nest-redis-streams` CLI reads (libs/redis-streams/src/cli: `--url`/`--config` defaults). */
const CLI_VARIABLES = ['REDIS_URL', 'STREAMS_TOPOLOGY'];

/** A controller class (only its decorator metadata and prototype are read). */
type ControllerClass = abstract new (...args: never[]) => unknown;

type ModuleRef =
  | { module?: unknown; controllers?: unknown[]; imports?: unknown[] }
  | (abstract new () => unknown);

/** Controllers of `root` and every module it imports (static metadata and dynamic modules). */
function controllersOf(root: ModuleRef, seen = new Set<unknown>()): ControllerClass[] {
  if (root === undefined || root === null || seen.has(root) || root instanceof Promise) return [];
  seen.add(root);
  if (typeof root !== 'function') {
    const own = (root.controllers ?? []) as ControllerClass[];
    const imported = (root.imports ?? []).flatMap((child) => controllersOf(child as ModuleRef, seen));
    return [...own, ...imported, ...controllersOf(root.module as ModuleRef, seen)];
  }
  const own = (Reflect.getMetadata('controllers', root) ?? []) as ControllerClass[];
  const imports = (Reflect.getMetadata('imports', root) ?? []) as ModuleRef[];
  return [...own, ...imports.flatMap((child) => controllersOf(child, seen))];
}

/** `/a/b` from Nest path parts (`'health'`, `'live'`, `''`, `['x', 'y']` takes the first). */
function joinPath(...parts: unknown[]): string {
  const words = parts
    .map((part): unknown => (Array.isArray(part) ? (part as unknown[])[0] : part))
    .filter((part): part is string => typeof part === 'string')
    .flatMap((part) => part.split('/'))
    .filter((word) => word !== '');
  return `/${words.join('/')}`;
}

/** Every route path the controllers of `module` declare, read from Nest's decorator metadata (nothing started). */
export function routesOf(module: ModuleRef): Set<string> {
  const routes = new Set<string>();
  for (const controller of controllersOf(module)) {
    const prefix: unknown = Reflect.getMetadata(PATH_METADATA, controller);
    const prototype = controller.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(prototype)) {
      const handler: unknown = prototype[key];
      if (key === 'constructor' || typeof handler !== 'function') continue;
      const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      if (path !== undefined) routes.add(joinPath(prefix, path));
    }
  }
  return routes;
}

/** The names `readPublishSettings` reads (recorded through its reader). */
function publishVariables(): string[] {
  const names: string[] = [];
  readPublishSettings((name) => {
    names.push(name);
    return undefined;
  });
  return names;
}

/** The API's surface. */
export function apiSurface(): AppSurface {
  return {
    routes: routesOf(ApiModule),
    variables: new Set([
      ...Object.values(API_ENV).map((variable) => variable.name),
      ...publishVariables(),
      ...API_EXTRA_VARIABLES,
    ]),
  };
}

/** The consumer's surface. */
export function consumerSurface(): AppSurface {
  return {
    routes: routesOf(ConsumerModule),
    variables: new Set(Object.values(CONSUMER_ENV).map((variable) => variable.name)),
  };
}

/** The CLI's surface (the init container and Job): no routes. */
export function cliSurface(): AppSurface {
  return { routes: new Set(), variables: new Set(CLI_VARIABLES) };
}
