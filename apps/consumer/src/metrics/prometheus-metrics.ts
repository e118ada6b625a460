import { Inject, Injectable } from '@nestjs/common';
import { SHIELD_REDIS, StreamsTopology } from '@app/shield-platform';
import { ClientRedisStreams, ServerRedisStreams } from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { CONSUMER_EVENTS_CLIENT } from '../transports';

/**
 * The consumer's Prometheus registry (its own, not prom-client's global one, so two apps in one process never
 * collide): process metrics, the lifecycle events it emits, both servers (added by createConsumerApp) and the backlog
 * of the topology's streams.
 */
@Injectable()
export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly metrics = new RedisStreamsMetrics({ registry: this.registry });

  constructor(
    @Inject(CONSUMER_EVENTS_CLIENT) client: ClientRedisStreams,
    @Inject(SHIELD_REDIS) redis: RedisConnection,
    topology: StreamsTopology,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.metrics.observeClient(client).observeStreams(redis, () => topology.streams());
  }

  /** Counts what `server` handles from now on. */
  observeServer(server: ServerRedisStreams): void {
    this.metrics.observeServer(server);
  }
}
