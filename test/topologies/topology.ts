import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import type { RedisConnectionOptions } from '@app/redis-streams';
import type { ChildConsumerEnv } from '../support/child-consumer';

/**
 * A deployment shape the conformance scenarios run against: how servers, clients and the admin connect, a plain
 * ioredis connection for the checks, and the env that makes a fixture consumer process connect the same way.
 */
export interface Topology {
  /** Printed before each scenario line (`tls: delivery: …`). */
  readonly label: string;
  /** Connection options of a server, a client or the admin. */
  connection(): RedisConnectionOptions;
  /** The env a child consumer (test/fixtures/consumer-process.ts) needs to connect (REDIS_URL, TLS files …). */
  childEnv(): Pick<ChildConsumerEnv, 'REDIS_URL' | 'TLS_CA_FILE' | 'TLS_CERT_FILE' | 'TLS_KEY_FILE'>;
  /** A connection for checks and admin calls (the caller disconnects it). */
  checks(): RedisConnection;
  /** Stops what the topology started. */
  destroy(): Promise<void>;
}
