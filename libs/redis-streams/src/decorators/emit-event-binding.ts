import type { Observable } from 'rxjs';
import { InvalidOptionsError, RedisStreamsError } from '../errors/redis-streams.error';

/** Anything that can emit: a ClientProxy. */
export interface EventEmitterClient {
  emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput): Observable<TResult>;
}

/** Name of the client registered by `RedisStreamsModule.forRoot()` without a `name`. */
export const DEFAULT_EMITTER = 'default';

// The instance owns its clients: two apps in one process serving the same class each bind their own instance.
const CLIENTS = Symbol('nest-redis-streams:emit-event-clients');

interface ClientsSlot {
  [CLIENTS]?: Map<string | symbol, EventEmitterClient>;
}

function slotOf(instance: object): Map<string | symbol, EventEmitterClient> {
  const holder = instance as ClientsSlot;
  let clients = holder[CLIENTS];
  if (!clients) {
    clients = new Map();
    // Not enumerable: spreading, logging or serialising the instance must not show it.
    Object.defineProperty(instance, CLIENTS, { value: clients, configurable: true });
  }
  return clients;
}

/**
 * Makes `client` the one the `@EmitEvent(…, { client: name })` methods of `instance` emit through. Called by the
 * app's RedisStreamsModule when it initialises. A second, different client under the same name is refused: the
 * instance's app registered two RedisStreamsModules with one name, and which one is meant cannot be told.
 */
export function bindEmitter(instance: object, name: string | symbol, client: EventEmitterClient): void {
  const clients = slotOf(instance);
  const bound = clients.get(name);
  if (bound && bound !== client) {
    throw new InvalidOptionsError(
      `@EmitEvent: two RedisStreamsModule clients named "${String(name)}" in one app serve ` +
        `${instance.constructor.name}: give one of them another \`name\``,
    );
  }
  clients.set(name, client);
}

/** Forgets `client` (its app shuts down), unless another one was bound under the name since. */
export function unbindEmitter(instance: object, name: string | symbol, client: EventEmitterClient): void {
  const clients = (instance as ClientsSlot)[CLIENTS];
  if (clients?.get(name) === client) {
    clients.delete(name);
  }
}

/** The client `instance` emits through under `name`; `where` names the decorated method for the error. */
export function boundEmitter(instance: unknown, name: string | symbol, where: string): EventEmitterClient {
  const clients =
    typeof instance === 'object' && instance !== null ? (instance as ClientsSlot)[CLIENTS] : undefined;
  const client = clients?.get(name);
  if (!client) {
    throw new RedisStreamsError(
      `${where}: no Redis Streams client named "${String(name)}" for this instance: import ` +
        'RedisStreamsModule.forRoot() in its app, and call the method on the provider or controller Nest created ' +
        '(bound when the app initialises, unbound when it closes)',
    );
  }
  return client;
}
