import { Inject, Injectable } from '@nestjs/common';
import { EVENT_COUNTS_KEY, SHIELD_REDIS } from '@app/shield-platform';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';

/**
 * Per-type event counts in the Redis hash `shield:metrics:event_counts`, shared by every metrics-collector process.
 * Counts are at least once: an event redelivered after a crash (before its ack) is counted again.
 */
@Injectable()
export class EventCountsService {
  constructor(@Inject(SHIELD_REDIS) private readonly redis: RedisConnection) {}

  /** Counts one event of `type`. */
  async increment(type: string): Promise<void> {
    await this.redis.hincrby(EVENT_COUNTS_KEY, type, 1);
  }

  /** Every type seen so far and how many of it. */
  async counts(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(EVENT_COUNTS_KEY);
    return Object.fromEntries(Object.entries(raw).map(([type, count]) => [type, Number(count)]));
  }
}
