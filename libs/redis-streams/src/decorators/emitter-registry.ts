import type { Observable } from 'rxjs';
import { RedisStreamsError } from '../errors/redis-streams.error';

/** Anything that can emit: a ClientProxy. */
export interface EventEmitterClient {
  emit<TResult = unknown, TInput = unknown>(pattern: string, data: TInput): Observable<TResult>;
}

/** Name of the client registered by `RedisStreamsModule.forRoot()` without a `name`. */
export const DEFAULT_EMITTER = 'default';

const emitters = new Map<string | symbol, EventEmitterClient>();

/** Makes `client` the one `@EmitEvent(…, { client: name })` uses. Called by RedisStreamsModule. */
export function registerEmitter(name: string | symbol, client: EventEmitterClient): void {
  emitters.set(name, client);
}

/** Forgets a client (on shutdown), unless another one was registered under the name since. */
export function unregisterEmitter(name: string | symbol, client: EventEmitterClient): void {
  if (emitters.get(name) === client) {
    emitters.delete(name);
  }
}

/** The client registered under `name`. */
export function getEmitter(name: string | symbol): EventEmitterClient {
  const client = emitters.get(name);
  if (!client) {
    throw new RedisStreamsError(
      `@EmitEvent: no Redis Streams client named "${String(name)}": import RedisStreamsModule.forRoot() in the app`,
    );
  }
  return client;
}
