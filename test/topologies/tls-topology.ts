import type { Redis } from 'ioredis';
import type { RedisConnectionOptions } from '@app/redis-streams';
import type { ChildConsumerEnv } from '../support/child-consumer';
import { TlsRedis } from '../support/tls-redis';
import { Topology } from './topology';

/** One TLS-only redis-server (CA made by openssl in the test); every connection verifies it and shows a client cert. */
export class TlsTopology implements Topology {
  readonly label = 'tls';

  private constructor(readonly server: TlsRedis) {}

  static async start(): Promise<TlsTopology> {
    return new TlsTopology(await TlsRedis.start());
  }

  connection(): RedisConnectionOptions {
    return { url: this.server.url(), tls: this.server.tlsOptions(true) };
  }

  childEnv(): Pick<ChildConsumerEnv, 'REDIS_URL' | 'TLS_CA_FILE' | 'TLS_CERT_FILE' | 'TLS_KEY_FILE'> {
    const tls = this.server.tlsOptions(true);
    return {
      REDIS_URL: this.server.url(),
      TLS_CA_FILE: tls.caFile,
      TLS_CERT_FILE: tls.certFile,
      TLS_KEY_FILE: tls.keyFile,
    };
  }

  checks(): Redis {
    return this.server.connection();
  }

  destroy(): Promise<void> {
    return this.server.destroy();
  }
}
