import type { RedisStreamsServerOptions } from '@app/redis-streams';
import { redisTlsOf } from '@app/shield-platform/config/redis-tls-env';
import type { ConsumerConfig } from './consumer-config';

/** What the settings give both Redis Streams servers (everything but group, routes and transport id). */
export type ConsumerServerSettings = Pick<
  RedisStreamsServerOptions,
  | 'url'
  | 'tls'
  | 'consumer'
  | 'batchSize'
  | 'blockMs'
  | 'concurrency'
  | 'minIdleMs'
  | 'shutdownTimeoutMs'
  | 'delivery'
>;

/**
 * The server options of `config`: connection (URL and TLS files), consumer name, read loop, shutdown and the default
 * retry policy.
 */
export function consumerServerSettings(config: ConsumerConfig): ConsumerServerSettings {
  const tls = redisTlsOf(config);
  return {
    url: config.redisUrl,
    ...(tls === undefined ? {} : { tls }),
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
