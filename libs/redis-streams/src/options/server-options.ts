import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { isGroupStart } from '../wire/entry-ids';
import {
  RedisConnectionOptions,
  assertInteger,
  resolveClusterOptions,
  resolveConnectionRedisOptions,
  resolveRedisUrl,
} from './connection-options';
import {
  DEFAULT_DELIVERY_POLICY,
  DeliveryPolicy,
  DeliveryPolicyOptions,
  resolveDeliveryPolicy,
} from './delivery-policy';
import { RoutingOptions, resolveRoutes } from './routing-options';

/** Options of {@link ServerRedisStreams}. Only `group` is required. */
export interface RedisStreamsServerOptions extends RedisConnectionOptions, RoutingOptions {
  /** The consumer group: one per service. Every process of the service uses the same group. */
  group: string;
  /** This process's consumer name. Default `host-pid-random`; set it (e.g. the pod name) to resume a PEL. */
  consumer?: string;
  /** Where a group that does not exist yet starts: `$` (new entries only, default) or `0` (everything). */
  startId?: string;
  /** Entries asked for per XREADGROUP (COUNT). Default 100. */
  batchSize?: number;
  /** How long one XREADGROUP waits for entries (BLOCK, ms). Default 2000. */
  blockMs?: number;
  /**
   * Handlers running at once in this process (prefetch bound). Default 128: above `batchSize`, so a read can take a
   * full batch while the end of the previous one is still being handled.
   */
  concurrency?: number;
  /** On close: how long in-flight handlers may run before the connections close anyway (ms). Default 10000. */
  shutdownTimeoutMs?: number;
  /** Largest field value accepted from a stream (bytes). Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Deepest JSON nesting accepted. Default 64. */
  maxDepth?: number;
  /**
   * Most fields (name/value pairs) an entry may have; one with more is dead-lettered (`too-many-fields`) with a
   * truncated copy. Default 1000, at most 3000: the transport's Lua steps pass an entry's fields as arguments,
   * and Lua cannot unpack more than about 8000 values.
   */
  maxFields?: number;
  /**
   * Largest entry accepted, names and values together (bytes); a larger one is dead-lettered (`too-large`) with a
   * truncated copy. Default 4 MiB, or `maxPayloadBytes` + 64 KiB when that is larger. Not below `maxPayloadBytes`.
   */
  maxEntryBytes?: number;
  /** Longest wait between attempts after a Redis error (ms). Default 5000. */
  maxReconnectDelayMs?: number;
  /**
   * An entry idle this long in any consumer's PEL is taken over by a live consumer of the group (XAUTOCLAIM).
   * Running handlers renew their entries every `minIdleMs / 3`, so this measures liveness, not handler time.
   * Default 30000.
   */
  minIdleMs?: number;
  /** How often idle entries are looked for (ms). Default 5000. */
  reclaimIntervalMs?: number;
  /**
   * The consumer name is leased to one live process for this long, renewed while it runs (ms). A second process
   * with the same name waits this long for a crashed holder's lease to lapse, and is refused if the holder lives.
   * Default 5000.
   */
  consumerLeaseMs?: number;
  /** Consumers of the group idle this long with nothing pending are deleted from it (ms). Default 3600000 (1 h). */
  deleteIdleConsumersAfterMs?: number;
  /**
   * Readiness fails, and the read connection is reopened, when Redis has not answered the read loop for
   * `blockMs + stallMs` (a silent network never closes the socket). Default 3000.
   */
  stallMs?: number;
  /** Default delivery policy of every handler (a handler's `@EventPattern` extras override it). */
  delivery?: DeliveryPolicyOptions;
  /** How often the retry promoter looks for due retries (ms). Default 200. */
  retryPollMs?: number;
  /**
   * Send the stack of a failed `@MessagePattern` handler's error to its caller (inside the RpcException's error).
   * Default false: callers get the message and the error's class name only.
   */
  replyErrorStack?: boolean;
  /**
   * Nest transport id of this server. Handlers declared with `@EventPattern(pattern, transportId)` are bound only
   * to the server with that id; handlers without one are bound to every server. Use it to run two groups in one app.
   */
  transportId?: symbol;
}

/** Defaults of every optional server option, in one place. */
export const DEFAULT_SERVER_OPTIONS = {
  startId: '$',
  batchSize: 100,
  blockMs: 2000,
  concurrency: 128,
  shutdownTimeoutMs: 10_000,
  maxPayloadBytes: 1024 * 1024,
  maxDepth: 64,
  maxFields: 1000,
  maxEntryBytes: 4 * 1024 * 1024,
  maxReconnectDelayMs: 5000,
  retryPollMs: 200,
  minIdleMs: 30_000,
  reclaimIntervalMs: 5000,
  consumerLeaseMs: 5000,
  stallMs: 3000,
  deleteIdleConsumersAfterMs: 3_600_000,
  streamPrefix: '',
  replyErrorStack: false,
} as const;

/** Server options with every default applied and every value checked. */
export type ResolvedServerOptions = Required<
  Omit<RedisStreamsServerOptions, 'transportId' | 'redis' | 'tls' | 'cluster' | 'routes' | 'delivery'>
> &
  Pick<RedisStreamsServerOptions, 'transportId' | 'redis' | 'tls' | 'cluster' | 'routes'> & {
    delivery: DeliveryPolicy;
  };

/** A consumer name unique to this process: `host-pid-random`. */
export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Room for the envelope's other fields beside a payload of `maxPayloadBytes` when `maxEntryBytes` is not set. */
const ENVELOPE_ALLOWANCE_BYTES = 64 * 1024;

/** Applies defaults and validates; throws {@link InvalidOptionsError} naming the bad option. */
export function resolveServerOptions(options: RedisStreamsServerOptions): ResolvedServerOptions {
  if (!options || typeof options.group !== 'string' || options.group.trim() === '') {
    throw new InvalidOptionsError('group is required: the consumer group of this service');
  }
  const resolved: ResolvedServerOptions = {
    ...DEFAULT_SERVER_OPTIONS,
    ...stripUndefined(options),
    url: resolveRedisUrl(options.url),
    redis: resolveConnectionRedisOptions(resolveRedisUrl(options.url), options.tls, options.redis),
    cluster: resolveClusterOptions(resolveRedisUrl(options.url), options.cluster),
    consumer: options.consumer ?? defaultConsumerName(),
    delivery: resolveDeliveryPolicy(DEFAULT_DELIVERY_POLICY, options.delivery, 'delivery'),
  };
  if (options.maxEntryBytes === undefined) {
    // A raised payload cap alone must not make entries carrying such a payload too large.
    resolved.maxEntryBytes = Math.max(
      DEFAULT_SERVER_OPTIONS.maxEntryBytes,
      resolved.maxPayloadBytes + ENVELOPE_ALLOWANCE_BYTES,
    );
  }
  if (resolved.consumer.trim() === '') {
    throw new InvalidOptionsError('consumer must not be empty');
  }
  if (!isGroupStart(resolved.startId)) {
    throw new InvalidOptionsError(`startId must be $, 0 or a stream id (got "${resolved.startId}")`);
  }
  assertInteger('batchSize', resolved.batchSize, 1, 10_000);
  assertInteger('blockMs', resolved.blockMs, 1, 60_000);
  assertInteger('concurrency', resolved.concurrency, 1, 100_000);
  assertInteger('shutdownTimeoutMs', resolved.shutdownTimeoutMs, 0);
  assertInteger('maxPayloadBytes', resolved.maxPayloadBytes, 1, 512 * 1024 * 1024);
  assertInteger('maxDepth', resolved.maxDepth, 1, 1000);
  assertInteger('maxFields', resolved.maxFields, 1, 3000);
  assertInteger('maxEntryBytes', resolved.maxEntryBytes, 1, 512 * 1024 * 1024);
  if (resolved.maxEntryBytes < resolved.maxPayloadBytes) {
    throw new InvalidOptionsError(
      `maxEntryBytes (${resolved.maxEntryBytes}) is below maxPayloadBytes (${resolved.maxPayloadBytes}): ` +
        'an entry could never carry the payload allowed',
    );
  }
  assertInteger('maxReconnectDelayMs', resolved.maxReconnectDelayMs, 1);
  assertInteger('retryPollMs', resolved.retryPollMs, 10, 60_000);
  assertInteger('minIdleMs', resolved.minIdleMs, 30);
  assertInteger('reclaimIntervalMs', resolved.reclaimIntervalMs, 10);
  assertInteger('consumerLeaseMs', resolved.consumerLeaseMs, 30);
  assertInteger('stallMs', resolved.stallMs, 50);
  assertInteger('deleteIdleConsumersAfterMs', resolved.deleteIdleConsumersAfterMs, 100);
  if (typeof resolved.replyErrorStack !== 'boolean') {
    throw new InvalidOptionsError('replyErrorStack must be true or false');
  }
  resolveRoutes(resolved.routes);
  return resolved;
}

/** Drops keys whose value is `undefined`, so they do not override defaults when spread. */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
