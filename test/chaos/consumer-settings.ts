/**
 * How a chaos consumer is configured: one spelling of its settings, turned into the child's environment by the
 * fleet and read back by the child (test/chaos/chaos-consumer.ts).
 */

/** Server options and handler behaviour of every consumer of a scenario. */
export interface ConsumerSettings {
  /** Handlers running at once per process (`concurrency`; also the read batch). */
  concurrency: number;
  /** Simulated work per event (ms); a payload's `handlerMs` overrides it. */
  handlerMs: number;
  minIdleMs: number;
  reclaimIntervalMs: number;
  shutdownTimeoutMs: number;
  consumerLeaseMs: number;
  blockMs: number;
  stallMs: number;
  maxReconnectDelayMs: number;
  /** Deliveries before an entry is dead-lettered (the transport's default is 5). */
  maxDeliveries: number;
  /** First retry delay of a failed handling (exponential, capped at 8×; the transport's default is 1 s). */
  retryBaseMs: number;
  /** The process SIGKILLs itself right after a handler returns for a payload marked `crashAfterHandling`. */
  crashAfterHandling: boolean;
}

/** Defaults of the chaos consumers: the transport's timings scaled down so a fault plays out in seconds. */
export const DEFAULT_CONSUMER_SETTINGS: ConsumerSettings = {
  concurrency: 16,
  handlerMs: 5,
  minIdleMs: 1000,
  reclaimIntervalMs: 200,
  shutdownTimeoutMs: 5000,
  consumerLeaseMs: 1500,
  blockMs: 200,
  stallMs: 1000,
  maxReconnectDelayMs: 500,
  maxDeliveries: 5,
  retryBaseMs: 100,
  crashAfterHandling: false,
};

/** Where a consumer process connects, reads and writes its ledgers. */
export interface ConsumerPlacement {
  redisUrl: string;
  /** Stream and pattern (the same name). */
  stream: string;
  group: string;
  consumer: string;
  /** Directory of the scenario's ledgers. */
  dir: string;
}

const PREFIX = 'CHAOS_';

/** The child's environment for `settings` at `placement`. */
export function consumerEnv(
  placement: ConsumerPlacement,
  settings: ConsumerSettings,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...placement, ...settings })) {
    env[`${PREFIX}${key}`] = String(value);
  }
  return env;
}

/** Reads back what {@link consumerEnv} wrote; throws naming the first missing or malformed variable. */
export function readConsumerEnv(env: NodeJS.ProcessEnv): ConsumerPlacement & ConsumerSettings {
  const text = (key: string): string => {
    const value = env[`${PREFIX}${key}`];
    if (value === undefined || value === '') {
      throw new Error(`${PREFIX}${key} is required`);
    }
    return value;
  };
  const int = (key: string): number => {
    const value = Number(text(key));
    if (!Number.isInteger(value) || value < 0) {
      throw new Error(`${PREFIX}${key} must be a non-negative integer`);
    }
    return value;
  };
  return {
    redisUrl: text('redisUrl'),
    stream: text('stream'),
    group: text('group'),
    consumer: text('consumer'),
    dir: text('dir'),
    concurrency: int('concurrency'),
    handlerMs: int('handlerMs'),
    minIdleMs: int('minIdleMs'),
    reclaimIntervalMs: int('reclaimIntervalMs'),
    shutdownTimeoutMs: int('shutdownTimeoutMs'),
    consumerLeaseMs: int('consumerLeaseMs'),
    blockMs: int('blockMs'),
    stallMs: int('stallMs'),
    maxReconnectDelayMs: int('maxReconnectDelayMs'),
    maxDeliveries: int('maxDeliveries'),
    retryBaseMs: int('retryBaseMs'),
    crashAfterHandling: text('crashAfterHandling') === 'true',
  };
}

/** The payload of a chaos event. */
export interface ChaosPayload {
  /** Sequence number within its production run. */
  n: number;
  /** Overrides the consumer's simulated work for this event (ms). */
  handlerMs?: number;
  /** The handler throws on this event's first `failDeliveries` deliveries (retried, dead-lettered past the max). */
  failDeliveries?: number;
  /** With `crashAfterHandling` set on the consumer: it dies right after this event's first handling returns. */
  crashAfterHandling?: boolean;
}
