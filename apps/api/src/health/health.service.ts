import { Inject, Injectable } from '@nestjs/common';
import { SHIELD_REDIS, pingRedis } from '@app/shield-platform';
import type { Redis } from 'ioredis';

/** The API is healthy when Redis answers. */
@Injectable()
export class HealthService {
  constructor(@Inject(SHIELD_REDIS) private readonly redis: Redis) {}

  /** True when Redis answers PING within a second. */
  redisAnswers(): Promise<boolean> {
    return pingRedis(this.redis, 1000);
  }
}
