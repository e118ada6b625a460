import { Redis } from 'ioredis';
import { inspectStreams } from '@app/redis-streams/admin/stream-inspector';
import { trimStreams } from '@app/redis-streams/admin/janitor';
import { RedisScripts } from '../../libs/redis-streams/src/lua/scripts';
import { uniqueName } from '../support/names';
import { PrivateRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';

/** A field of `INFO <section>` as a string. */
async function infoField(redis: Redis, section: string, field: string): Promise<string | undefined> {
  const info = await redis.info(section);
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(await infoField(redis, 'memory', 'used_memory'));
}

// A shebang script without flags is treated by Redis 7 as a writer that may grow memory: refused up front at
// maxmemory (noeviction) and on a read-only replica. The trim frees memory; the lag count only reads.
describe('Lua script flags (real Redis)', () => {
  describe('at maxmemory with noeviction', () => {
    let server: PrivateRedis;
    let redis: Redis;
    const stream = uniqueName('oom');

    beforeAll(async () => {
      server = await PrivateRedis.start({ args: ['--maxmemory-policy', 'noeviction'] });
      redis = new Redis(server.url);
    });
    afterAll(async () => {
      redis.disconnect();
      await server.destroy();
    });

    it('the janitor still trims behind the groups, and the freed memory takes writes again', async () => {
      await redis.xgroup('CREATE', stream, 'g', '$', 'MKSTREAM');
      // Room for about 3 MB of entries above what the empty server uses.
      await redis.config('SET', 'maxmemory', String((await usedMemory(redis)) + 3 * 1024 * 1024));
      const data = JSON.stringify({ pad: 'x'.repeat(1000) });
      let refused: Error | undefined;
      for (let batch = 0; batch < 100 && !refused; batch++) {
        const pipeline = redis.pipeline();
        for (let i = 0; i < 200; i++) {
          pipeline.xadd(stream, '*', 'type', 'filler', 'data', data);
        }
        refused = ((await pipeline.exec()) ?? []).find(([error]) => error)?.[0] ?? undefined;
      }
      expect(refused?.message).toMatch(/^OOM /);
      // Memory moves a little once the pipeline's replies are freed: a few more small entries may fit, but Redis
      // must be refusing writes again within a bounded number of them.
      let stillFull: Error | undefined;
      for (let i = 0; i < 1000 && !stillFull; i++) {
        stillFull = await redis.xadd(stream, '*', 'type', 'x', 'data', data).then(
          () => undefined,
          (error: Error) => error,
        );
      }
      expect(stillFull?.message).toMatch(/^OOM /);
      const written = await redis.xlen(stream);
      // The group has read everything (SETID is allowed at maxmemory, unlike XADD and XGROUP CREATE).
      await redis.xgroup('SETID', stream, 'g', '$');
      const before = await usedMemory(redis);

      const [result] = await trimStreams(redis, [stream]);

      expect(result).toMatchObject({ stream, status: 'trimmed', removed: written });
      expect(await redis.xlen(stream)).toBe(0);
      expect(await usedMemory(redis)).toBeLessThan(before - 1024 * 1024);
      await expect(redis.xadd(stream, '*', 'type', 'x', 'data', '{}')).resolves.toMatch(/^\d+-\d+$/);
      await redis.del(stream);
    });
  });

  describe('on a read-only replica', () => {
    let primaryServer: PrivateRedis;
    let replicaServer: PrivateRedis;
    let primary: Redis;
    let replica: Redis;
    const stream = uniqueName('replica');

    beforeAll(async () => {
      // No 5 s wait for more replicas before the first full sync.
      primaryServer = await PrivateRedis.start({ args: ['--repl-diskless-sync-delay', '0'] });
      replicaServer = await PrivateRedis.start({
        args: ['--replicaof', '127.0.0.1', String(primaryServer.port)],
      });
      primary = new Redis(primaryServer.url);
      replica = new Redis(replicaServer.url);
      await waitFor(
        async () => (await infoField(replica, 'replication', 'master_link_status')) === 'up',
        'the replica to sync',
      );
    });
    afterAll(async () => {
      await primary.del(stream);
      primary.disconnect();
      replica.disconnect();
      await replicaServer.destroy();
      await primaryServer.destroy();
    });

    it('counts a lag Redis cannot report (countAfter and the stream inspector)', async () => {
      await primary.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        ids.push((await primary.xadd(stream, '*', 'type', 'x', 'data', `{"n":${i}}`)) as string);
      }
      await primary.xreadgroup('GROUP', 'g', 'c', 'COUNT', 3, 'STREAMS', stream, '>');
      // Deleting an entry the group has not read yet makes XINFO's lag nil: it has to be counted.
      await primary.xdel(stream, ids[5]);
      expect(await primary.wait(1, 5000)).toBe(1);
      expect(await replica.xlen(stream)).toBe(9);
      await expect(replica.xadd(stream, '*', 'type', 'x')).rejects.toThrow(/^READONLY/);

      await expect(RedisScripts.for(replica).countAfter(stream, ids[2])).resolves.toBe(6);
      const [snapshot] = await inspectStreams(replica, [stream]);
      expect(snapshot.groups).toEqual([
        expect.objectContaining({ name: 'g', lag: 6, pending: 3, lastDeliveredId: ids[2] }),
      ]);
    });
  });
});
