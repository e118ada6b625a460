import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { applyTopology } from '@app/redis-streams/admin/provision';
import { inspectStreams } from '@app/redis-streams/admin/stream-inspector';
import { trimStreams } from '@app/redis-streams/admin/janitor';
import { parseTopology } from '@app/redis-streams/admin';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/** Ids of every entry left in `stream`. */
async function idsOf(redis: Redis, stream: string): Promise<string[]> {
  return (await redis.xrange(stream, '-', '+')).map(([id]) => id);
}

async function addEntries(redis: Redis, stream: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push((await redis.xadd(stream, '*', 'type', 't', 'data', JSON.stringify({ i }))) as string);
  }
  return ids;
}

/** XREADGROUP `count` new entries for `group` (left pending), returning their ids. */
async function readFor(redis: Redis, stream: string, group: string, count: number): Promise<string[]> {
  const reply = (await redis.xreadgroup(
    'GROUP',
    group,
    'c1',
    'COUNT',
    count,
    'STREAMS',
    stream,
    '>',
  )) as Array<[string, Array<[string, string[]]>]> | null;
  return (reply?.[0]?.[1] ?? []).map(([id]) => id);
}

describe('stream administration on real Redis', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const keys: string[] = [];
  const name = (label: string): string => {
    const stream = uniqueName(label);
    keys.push(stream, StreamKeys.deadLetter(stream));
    return stream;
  };

  afterAll(async () => {
    await redis.del(...keys);
    redis.disconnect();
  });

  describe('inspectStreams', () => {
    it('reports a missing stream and an empty one without failing', async () => {
      const missing = name('missing');
      const empty = name('empty');
      await redis.xgroup('CREATE', empty, 'g', '$', 'MKSTREAM');
      const [a, b] = await inspectStreams(redis, [missing, empty]);
      expect(a).toMatchObject({ stream: missing, exists: false, length: 0, groups: [], firstEntryId: null });
      expect(b).toMatchObject({
        exists: true,
        length: 0,
        firstEntryId: null,
        lastEntryId: null,
        deadLetters: 0,
      });
      expect(b.groups).toEqual([
        expect.objectContaining({ name: 'g', lag: 0, pending: 0, backlog: 0, oldestPendingAgeMs: null }),
      ]);
    });

    it('counts lag, pending, scheduled retries and backlog per group on a busy stream', async () => {
      const stream = name('busy');
      await redis.xgroup('CREATE', stream, 'slow', '0', 'MKSTREAM');
      await redis.xgroup('CREATE', stream, 'idle', '0');
      const ids = await addEntries(redis, stream, 10);
      await readFor(redis, stream, 'slow', 4); // 4 pending, 6 lag
      await redis.xack(stream, 'slow', ids[0]); // 3 pending
      const [snapshot] = await inspectStreams(redis, [stream]);
      expect(snapshot).toMatchObject({ length: 10, firstEntryId: ids[0], lastEntryId: ids[9] });
      const slow = snapshot.groups.find((group) => group.name === 'slow');
      const idle = snapshot.groups.find((group) => group.name === 'idle');
      expect(slow).toMatchObject({
        pending: 3,
        lag: 6,
        scheduledRetries: 0,
        backlog: 9,
        oldestPendingId: ids[1],
      });
      expect(slow?.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
      expect(idle).toMatchObject({ pending: 0, lag: 10, backlog: 10, consumers: 0 });

      // XDEL makes Redis's own lag unknowable (nil): it is counted instead.
      await redis.xdel(stream, ids[9]);
      const [afterDelete] = await inspectStreams(redis, [stream]);
      expect(afterDelete.groups.find((group) => group.name === 'idle')?.lag).toBe(9);
    });

    it('a lag Redis keeps reporting after a MAXLEN trim, with nothing unread, reads 0', async () => {
      const stream = name('maxlen-lag');
      await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
      const ids = await addEntries(redis, stream, 5);
      await readFor(redis, stream, 'g', 2);
      await redis.xack(stream, 'g', ids[0], ids[1]);
      await redis.xtrim(stream, 'MAXLEN', 0); // deletes three entries the group never read
      const [last] = await addEntries(redis, stream, 1);
      await readFor(redis, stream, 'g', 10);
      await redis.xack(stream, 'g', last);
      const [snapshot] = await inspectStreams(redis, [stream]);
      expect(snapshot.groups[0]).toMatchObject({ lag: 0, pending: 0, backlog: 0 });
      // One entry written after that: a lag again, never more than the stream holds (Redis says more).
      await addEntries(redis, stream, 1);
      const [later] = await inspectStreams(redis, [stream]);
      expect(later.groups[0].lag).toBeGreaterThanOrEqual(1);
      expect(later.groups[0].lag).toBeLessThanOrEqual(later.length);
    });

    it('counts a failed delivery waiting for its retry in the backlog', async () => {
      const stream = name('retrying');
      const client = new ClientRedisStreams();
      const consumer = await startConsumer(
        [
          eventController(stream, () => {
            throw new Error('not now');
          }),
        ],
        { group: 'g', delivery: { backoff: { type: 'fixed', baseMs: 60_000, jitter: 'none' } } },
      );
      try {
        await lastValueFrom(client.emit(stream, { n: 1 }));
        await lastValueFrom(client.emit(stream, { n: 2 }));
        await waitFor(() => consumer.server.getStats().retried === 2, 'two retries scheduled');
        const [snapshot] = await inspectStreams(redis, [stream]);
        expect(snapshot.groups[0]).toMatchObject({
          name: 'g',
          pending: 0,
          lag: 0,
          scheduledRetries: 2,
          backlog: 2,
        });
        expect(snapshot.groups[0].consumers).toBe(1);
      } finally {
        await consumer.close();
        await client.close();
      }
    });
  });

  describe('applyTopology', () => {
    it('creates what is missing once; a second run changes nothing', async () => {
      const a = name('topo-a');
      const b = name('topo-b');
      const topology = parseTopology({
        streams: { [a]: { groups: ['g1', { name: 'g2', start: '$' }] }, [b]: { groups: { g3: {} } } },
      });
      const first = await applyTopology(redis, topology);
      expect(first.created.map(({ stream, group }) => `${stream}/${group}`)).toEqual([
        `${a}/g1`,
        `${a}/g2`,
        `${b}/g3`,
      ]);
      const ids = await addEntries(redis, a, 3);
      await readFor(redis, a, 'g1', 2);
      const before = await inspectStreams(redis, [a, b]);

      const second = await applyTopology(redis, topology);
      expect(second.created).toEqual([]);
      expect(second.existing).toHaveLength(3);
      const after = await inspectStreams(redis, [a, b]);
      const positions = (snapshots: typeof before): unknown =>
        snapshots.map((s) => [s.length, s.groups.map((g) => [g.name, g.lastDeliveredId, g.pending, g.lag])]);
      expect(positions(after)).toEqual(positions(before));
      expect(after[0].groups.find((g) => g.name === 'g1')?.lastDeliveredId).toBe(ids[1]);
    });

    it('refuses a key of another type, and a malformed topology, with a clear error', async () => {
      const notAStream = name('string');
      await redis.set(notAStream, 'x');
      await expect(
        applyTopology(redis, parseTopology({ streams: { [notAStream]: { groups: ['g'] } } })),
      ).rejects.toThrow(/is a string, not a stream/);
      expect(() => parseTopology({ streams: { s: { groups: [{ name: 'g', start: 'soon' }] } } })).toThrow(
        /start must be/,
      );
      expect(() => parseTopology({ stream: {} })).toThrow(/expected \{ streams/);
    });
  });

  describe('trimStreams (the janitor)', () => {
    it('never removes what a slow group still needs and trims what every group acknowledged', async () => {
      const stream = name('janitor');
      await redis.xgroup('CREATE', stream, 'fast', '0', 'MKSTREAM');
      await redis.xgroup('CREATE', stream, 'slow', '0');
      const ids = await addEntries(redis, stream, 20);
      const fast = await readFor(redis, stream, 'fast', 20);
      await redis.xack(stream, 'fast', ...fast);
      await readFor(redis, stream, 'slow', 12); // slow read 0..11
      await redis.xack(stream, 'slow', ...ids.slice(0, 5), ...ids.slice(6, 12)); // entry 5 still pending

      const dry = await trimStreams(redis, [stream], { dryRun: true });
      expect(dry).toEqual([{ stream, status: 'dry-run', trimPoint: ids[5], removed: 5 }]);
      expect(await redis.xlen(stream)).toBe(20);

      const [trimmed] = await trimStreams(redis, [stream]);
      expect(trimmed).toMatchObject({ status: 'trimmed', trimPoint: ids[5], removed: 5 });
      expect(await idsOf(redis, stream)).toEqual(ids.slice(5));

      // Once the pending entry is acknowledged, the janitor moves up to slow's last delivered entry — no further:
      // entries 12..19 were never delivered to slow.
      await redis.xack(stream, 'slow', ids[5]);
      const [second] = await trimStreams(redis, [stream]);
      expect(second.removed).toBe(7);
      expect(await idsOf(redis, stream)).toEqual(ids.slice(12));
      const [snapshot] = await inspectStreams(redis, [stream]);
      expect(snapshot.groups.find((group) => group.name === 'slow')).toMatchObject({ lag: 8, pending: 0 });
    });

    it('keeps entries younger than the retention bound, and leaves group-less and missing streams alone', async () => {
      const stream = name('retained');
      const lonely = name('no-groups');
      const missing = name('gone');
      await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
      await addEntries(redis, stream, 5);
      await redis.xack(stream, 'g', ...(await readFor(redis, stream, 'g', 5)));
      await addEntries(redis, lonely, 3);
      const results = await trimStreams(redis, [
        { name: stream, minRetentionMs: 3_600_000 },
        lonely,
        missing,
      ]);
      expect(results.map((result) => [result.status, result.removed])).toEqual([
        ['trimmed', 0],
        ['no-groups', 0],
        ['missing', 0],
      ]);
      expect(await redis.xlen(stream)).toBe(5);
      expect(await redis.xlen(lonely)).toBe(3);
      const [all] = await trimStreams(redis, [stream]);
      expect(all.removed).toBe(5);
    });
  });
});
