import { Inject, Injectable } from '@nestjs/common';
import { SHIELD_REDIS, StreamsTopology } from '@app/shield-platform';
import { ClientRedisStreams } from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The API's Prometheus registry (its own, not prom-client's global one, so two apps in one process never collide):
 * process metrics, the events the API emits, and the backlog of the topology's streams.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();

  constructor(
    client: ClientRedisStreams,
    @Inject(SHIELD_REDIS) redis: RedisConnection,
    topology: StreamsTopology,
  ) {
    collectDefaultMetrics({ register: this.registry });
    new RedisStreamsMetrics({ registry: this.registry })
      .observeClient(client)
      .observeStreams(redis, () => topology.streams());
  }
}
