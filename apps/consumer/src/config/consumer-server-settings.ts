import type { RedisStreamsServerOptions } from '@app/redis-streams';
import type { ConsumerConfig } from './consumer-config';

/** What the settings give both Redis Streams servers (everything but group, routes and transport id). */
export type ConsumerServerSettings = Pick<
  RedisStreamsServerOptions,
  | 'url'
  | 'consumer'
  | 'batchSize'
  | 'blockMs'
  | 'concurrency'
  | 'minIdleMs'
  | 'shutdownTimeoutMs'
  | 'delivery'
>;

/** The server options of `config`: connection, consumer name, read loop, shutdown and the default retry policy. */
export function consumerServerSettings(config: ConsumerConfig): ConsumerServerSettings {
  return {
    url: config.redisUrl,
    consumer: config.consumerName,
    batchSize: config.batchSize,
    blockMs: config.blockMs,
    concurrency: config.concurrency,
    minIdleMs: config.minIdleMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    delivery: {
      maxDeliveries: config.maxDeliveries,
      backoff: { baseMs: config.backoffBaseMs, maxMs: config.backoffMaxMs },
    },
  };
}
