import type { RedisConnectionOptions } from '@app/redis-streams';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { redisFromUrl } from '@app/redis-streams/redis/redis-url';
import type { ChildConsumerEnv } from '../support/child-consumer';
import { PrivateSentinelSet } from '../support/sentinel-set';
import { Topology } from './topology';

/** A Sentinel-managed primary (a primary, a replica, three sentinels), reached through a `redis+sentinel://` URL. */
export class SentinelTopology implements Topology {
  readonly label = 'sentinel';

  private constructor(readonly set: PrivateSentinelSet) {}

  static async start(): Promise<SentinelTopology> {
    return new SentinelTopology(await PrivateSentinelSet.start());
  }

  connection(): RedisConnectionOptions {
    return { url: this.set.url() };
  }

  childEnv(): Pick<ChildConsumerEnv, 'REDIS_URL'> {
    return { REDIS_URL: this.set.url() };
  }

  checks(): RedisConnection {
    return redisFromUrl(this.set.url());
  }

  destroy(): Promise<void> {
    return this.set.destroy();
  }
}
