import type { RedisConnectionOptions } from '@app/redis-streams';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import type { ChildConsumerEnv } from '../support/child-consumer';
import { PrivateCluster } from '../support/redis-cluster';
import { Topology } from './topology';

/** A Redis Cluster of 3 primaries and 3 replicas on free loopback ports, reached through a `redis+cluster://` URL. */
export class ClusterTopology implements Topology {
  readonly label = 'cluster';

  private constructor(readonly cluster: PrivateCluster) {}

  static async start(): Promise<ClusterTopology> {
    return new ClusterTopology(await PrivateCluster.start());
  }

  connection(): RedisConnectionOptions {
    return { url: this.cluster.url() };
  }

  childEnv(): Pick<ChildConsumerEnv, 'REDIS_URL'> {
    return { REDIS_URL: this.cluster.url() };
  }

  checks(): RedisConnection {
    return this.cluster.connection();
  }

  destroy(): Promise<void> {
    return this.cluster.destroy();
  }
}
