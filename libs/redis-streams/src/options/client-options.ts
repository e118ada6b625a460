import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import {
  RedisConnectionOptions,
  assertInteger,
  resolveClusterOptions,
  resolveConnectionRedisOptions,
  resolveRedisUrl,
} from './connection-options';
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
   * How long `send()` waits for a complete answer before it fails with RequestTimeoutError (ms); the request is
   * not handled after that (its deadline travels with it). Per call: `RedisStreamsRecord` option `timeoutMs`.
   * Default 30000.
   */
  requestTimeoutMs?: number;
  /**
   * This instance's reply stream (`nrs:reply:<instance>`) expires this long after the instance stops refreshing it
   * (it refreshes every third of it while alive); replies to a dead instance go with it (ms). Default 30000.
   */
  replyStreamTtlMs?: number;
  /** Names this instance's reply stream. Default `host-pid-random`, unique per client instance. */
  instanceId?: string;
  /**
   * How long an emit's `idempotencyKey` is remembered (ms, from its first write), unless the record says otherwise.
   * Default 24 h; 1 ms to 365 days.
   */
  idempotencyWindowMs?: number;
}

/** Longest `requestTimeoutMs` (and per-call `timeoutMs`): one day. */
export const MAX_REQUEST_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** Defaults of every optional client option, in one place. */
export const DEFAULT_CLIENT_OPTIONS = {
  maxPayloadBytes: 1024 * 1024,
  maxDepth: 64,
  maxRetriesPerRequest: 5,
  streamPrefix: '',
  requestTimeoutMs: 30_000,
  replyStreamTtlMs: 30_000,
  idempotencyWindowMs: IDEMPOTENCY_DEFAULTS.emitWindowMs,
} as const;

/** Client options with defaults applied. */
export type ResolvedClientOptions = Required<
  Omit<RedisStreamsClientOptions, 'redis' | 'tls' | 'cluster' | 'routes' | 'source'>
> &
  Pick<RedisStreamsClientOptions, 'redis' | 'tls' | 'cluster' | 'routes' | 'source'>;

/** A name unique to this client instance: `host-pid-random`. */
function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Applies defaults and validates; throws InvalidOptionsError naming the bad option. */
export function resolveClientOptions(options: RedisStreamsClientOptions = {}): ResolvedClientOptions {
  const resolved: ResolvedClientOptions = {
    ...DEFAULT_CLIENT_OPTIONS,
    ...stripUndefined(options),
    url: resolveRedisUrl(options.url),
    redis: resolveConnectionRedisOptions(resolveRedisUrl(options.url), options.tls, options.redis),
    cluster: resolveClusterOptions(resolveRedisUrl(options.url), options.cluster),
    instanceId: options.instanceId ?? defaultInstanceId(),
  };
  assertInteger('maxPayloadBytes', resolved.maxPayloadBytes, 1, 512 * 1024 * 1024);
  assertInteger('maxDepth', resolved.maxDepth, 1, 1000);
  assertInteger('maxRetriesPerRequest', resolved.maxRetriesPerRequest, 0, 1000);
  assertInteger('requestTimeoutMs', resolved.requestTimeoutMs, 1, MAX_REQUEST_TIMEOUT_MS);
  assertInteger('replyStreamTtlMs', resolved.replyStreamTtlMs, 1000, 24 * 60 * 60 * 1000);
  if (typeof resolved.instanceId !== 'string' || resolved.instanceId.trim() === '') {
    throw new InvalidOptionsError('instanceId must be a non-empty string');
  }
  assertEmitWindow('idempotencyWindowMs', resolved.idempotencyWindowMs);
  resolveRoutes(resolved.routes);
  return resolved;
}
