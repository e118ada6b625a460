import { Inject, Injectable } from '@nestjs/common';
import { SHIELD_REDIS, pingRedis } from '@app/shield-platform';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';

/** The API is healthy when Redis answers. */
@Injectable()
export class HealthService {
  constructor(@Inject(SHIELD_REDIS) private readonly redis: RedisConnection) {}

  /** True when Redis answers PING within a second. */
  redisAnswers(): Promise<boolean> {
    return pingRedis(this.redis, 1000);
  }
}
