import { Inject, Injectable } from '@nestjs/common';
import { SHIELD_REDIS, pingRedis } from '@app/shield-platform';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { ConsumerServers, ServerHealth } from '../consumer-servers';

/** The consumer's health report. */
export interface ConsumerHealth {
  status: 'ok' | 'error';
  redis: 'up' | 'down';
  servers: ServerHealth[];
}

/** Healthy = Redis answers PING and every Redis Streams server is connected. */
@Injectable()
export class HealthService {
  constructor(
    @Inject(SHIELD_REDIS) private readonly redis: RedisConnection,
    private readonly servers: ConsumerServers,
  ) {}

  /** Checks Redis (PING, 1 s timeout) and the servers' state. */
  async check(): Promise<ConsumerHealth> {
    const redisUp = await pingRedis(this.redis, 1000);
    const { healthy, servers } = this.servers.describe();
    return { status: redisUp && healthy ? 'ok' : 'error', redis: redisUp ? 'up' : 'down', servers };
  }
}
