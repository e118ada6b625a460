import { RedisOptions } from 'ioredis';
import { RedisConnectionOptions } from '@app/redis-streams';
import { resolveClientOptions } from '@app/redis-streams/options/client-options';
import { connectRedis } from '@app/redis-streams/redis/connect-error';
import { closeRedisConnection, createRedisConnection } from '@app/redis-streams/redis/connection-factory';
import { TlsRedis, makeTestCa } from '../support/tls-redis';
import { rmSync } from 'node:fs';

/** The server certificate is verified and its name checked: the controls fail, the right setup answers. */
describe('TLS verification', () => {
  let server: TlsRedis;
  beforeAll(async () => {
    server = await TlsRedis.start();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const noRetry: RedisOptions = { retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 3000 };

  async function ping(options: RedisConnectionOptions): Promise<string> {
    const resolved = resolveClientOptions(options);
    const connection = createRedisConnection(resolved, noRetry);
    try {
      await connectRedis(connection);
      return await connection.ping();
    } finally {
      await closeRedisConnection(connection);
    }
  }

  it('answers with the CA file, with and without the client certificate', async () => {
    expect(await ping({ url: server.url(), tls: server.tlsOptions() })).toBe('PONG');
    expect(await ping({ url: server.url(), tls: server.tlsOptions(true) })).toBe('PONG');
  });

  it('refuses a server certificate whose name does not match servername', async () => {
    await expect(
      ping({ url: server.url(), tls: { ...server.tlsOptions(), servername: 'wrong.example' } }),
    ).rejects.toThrow(/wrong\.example|altnames/i);
  });

  it('refuses a server certificate signed by another CA, and rediss:// alone (Node trusted CAs)', async () => {
    const other = makeTestCa();
    try {
      await expect(ping({ url: server.url(), tls: { caFile: other.caFile } })).rejects.toThrow(
        /certificate|verify|self.signed/i,
      );
    } finally {
      rmSync(other.dir, { recursive: true, force: true });
    }
    await expect(ping({ url: server.url() })).rejects.toThrow(/certificate|verify|self.signed/i);
  });
});
