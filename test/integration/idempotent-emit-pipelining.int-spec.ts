import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsRecord } from '@app/redis-streams';
import { uniqueName } from '../support/names';

/**
 * An idempotent emit in the same tick as a plain one on a fresh client: the script must already be defined on the
 * auto-pipelined connection (before the fix: `pipeline[functionName] is not a function`, then an uncaught TypeError
 * from ioredis' auto-pipelining that crashed the process).
 */
describe('idempotent emit next to plain emits (auto-pipelining)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const stream = uniqueName('idem-pipeline');

  afterAll(async () => {
    const markers = await redis.keys(`{${stream}}*`);
    await redis.del(stream, ...markers);
    redis.disconnect();
  });

  it('writes both, in one tick, on a client that has sent nothing yet', async () => {
    const client = new ClientRedisStreams();
    try {
      const ids = await Promise.all([
        lastValueFrom(client.emit<string>(stream, { n: 1 })),
        lastValueFrom(
          client.emit<string>(stream, new RedisStreamsRecord({ n: 2 }, { idempotencyKey: 'k-2' })),
        ),
        lastValueFrom(client.emit<string>(stream, { n: 3 })),
      ]);
      expect(new Set(ids).size).toBe(3);
      expect(await redis.xlen(stream)).toBe(3);
    } finally {
      await client.close();
    }
  });
});
