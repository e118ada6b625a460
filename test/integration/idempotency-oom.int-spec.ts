import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisCommandError, RedisStreamsRecord, StreamKeys } from '@app/redis-streams';
import { encodeEffects } from '@app/redis-streams/ctx-host/idempotent-effects';
import { RedisScripts } from '@app/redis-streams/lua/scripts';
import { uniqueName } from '../support/names';
import { PrivateRedis } from '../support/redis-server';

/** Fills a noeviction server's memory until it refuses writes (OOM). */
async function fillMemory(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const used = Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
  await redis.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
  const pad = 'x'.repeat(64 * 1024);
  for (let n = 0; n < 1000; n++) {
    const refused = await redis.set(`filler:${n}`, pad).then(
      () => false,
      (error: Error) => /^OOM /.test(error.message),
    );
    if (refused) {
      return;
    }
  }
  throw new Error('memory never filled');
}

// Both scripts carry a `#!lua` shebang without flags: at maxmemory Redis refuses them whole, up front, so an emit never
// writes an entry without its marker, and a commit never acknowledges without its marker and effects.
describe('idempotency scripts at maxmemory (noeviction)', () => {
  let server: PrivateRedis;
  let redis: Redis;

  beforeAll(async () => {
    server = await PrivateRedis.start({ args: ['--maxmemory-policy', 'noeviction'] });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.destroy();
  });

  it('a keyed emit fails with OOM and writes nothing; a commit is refused whole and succeeds once memory is back', async () => {
    const stream = uniqueName('idem-oom');
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const pendingId = (await redis.xadd(
      stream,
      '*',
      'type',
      stream,
      'data',
      '{}',
      'event_id',
      'e',
    )) as string;
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 1, 'STREAMS', stream, '>');
    const marker = StreamKeys.handledMarker(stream, 'g', stream, 'e', pendingId);
    const effect = `${StreamKeys.base(stream)}:effect`;
    const commit = (): ReturnType<RedisScripts['commitIdempotent']> =>
      RedisScripts.for(redis).commitIdempotent(
        stream,
        marker,
        'g',
        pendingId,
        60_000,
        pendingId,
        false,
        encodeEffects([['INCR', effect]]),
      );
    const client = new ClientRedisStreams({ url: server.url });
    try {
      await fillMemory(redis);

      const emitting = lastValueFrom(
        client.emit(stream, new RedisStreamsRecord({}, { idempotencyKey: 'k' })),
      );
      await expect(emitting).rejects.toBeInstanceOf(RedisCommandError);
      await expect(emitting).rejects.toMatchObject({ code: 'OOM' });
      expect(await redis.exists(StreamKeys.emitMarker(stream, 'k'))).toBe(0);
      expect(await redis.xlen(stream)).toBe(1);

      await expect(commit()).rejects.toThrow(/^OOM /);
      expect(await redis.exists(marker, effect)).toBe(0);
      expect(((await redis.xpending(stream, 'g')) as [number])[0]).toBe(1);

      await redis.config('SET', 'maxmemory', '0');
      await expect(commit()).resolves.toEqual({ outcome: 'committed', acked: 1 });
      expect(await redis.get(effect)).toBe('1');
      expect(((await redis.xpending(stream, 'g')) as [number])[0]).toBe(0);
      await expect(commit()).resolves.toEqual({ outcome: 'duplicate', acked: 0 });
      expect(await redis.get(effect)).toBe('1');
    } finally {
      await client.close();
      await redis.flushall();
    }
  });
});
