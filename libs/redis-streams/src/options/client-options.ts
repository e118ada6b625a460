import { RedisConnectionOptions, assertInteger, resolveRedisUrl } from './connection-options';
import { IDEMPOTENCY_DEFAULTS, assertEmitWindow } from './idempotency-options';
import { RoutingOptions, resolveRoutes } from './routing-options';
import { stripUndefined } from './server-options';

/** Options of {@link ClientRedisStreams}. All optional. */
export interface RedisStreamsClientOptions extends RedisConnectionOptions, RoutingOptions {
  /** Largest payload `emit` accepts, as JSON bytes. Default 1 MiB (what consumers accept by default). */
  maxPayloadBytes?: number;
  /** Deepest JSON nesting `emit` accepts. Default 64 (what consumers accept by default). */
  maxDepth?: number;
  /**
   * How many reconnection attempts an emit waits through before it fails (ioredis `maxRetriesPerRequest`).
   * Default 5: the emits queued when Redis goes away fail after a few reconnection attempts. With ioredis 6's
   * auto-pipelining, emits issued later in a long outage can wait until Redis is back (measured): not a deadline.
   */
  maxRetriesPerRequest?: number;
  /** Written as the `source` header of every event when set (e.g. the service name). */
  source?: string;
  /**
   * How long an emit's `idempotencyKey` is remembered (ms, from its first write), unless the record says otherwise.
   * Default 24 h; 1 ms to 365 days.
   */
  idempotencyWindowMs?: number;
}

/** Defaults of every optional client option, in one place. */
export const DEFAULT_CLIENT_OPTIONS = {
  maxPayloadBytes: 1024 * 1024,
  maxDepth: 64,
  maxRetriesPerRequest: 5,
  streamPrefix: '',
  idempotencyWindowMs: IDEMPOTENCY_DEFAULTS.emitWindowMs,
} as const;

/** Client options with defaults applied. */
export type ResolvedClientOptions = Required<Omit<RedisStreamsClientOptions, 'redis' | 'routes' | 'source'>> &
  Pick<RedisStreamsClientOptions, 'redis' | 'routes' | 'source'>;

/** Applies defaults and validates; throws InvalidOptionsError naming the bad option. */
export function resolveClientOptions(options: RedisStreamsClientOptions = {}): ResolvedClientOptions {
  const resolved: ResolvedClientOptions = {
    ...DEFAULT_CLIENT_OPTIONS,
    ...stripUndefined(options),
    url: resolveRedisUrl(options.url),
  };
  assertInteger('maxPayloadBytes', resolved.maxPayloadBytes, 1, 512 * 1024 * 1024);
  assertInteger('maxDepth', resolved.maxDepth, 1, 1000);
  assertInteger('maxRetriesPerRequest', resolved.maxRetriesPerRequest, 0, 1000);
  assertEmitWindow('idempotencyWindowMs', resolved.idempotencyWindowMs);
  resolveRoutes(resolved.routes);
  return resolved;
}
