import { Redis } from 'ioredis';
import { RedisScripts } from '../../libs/redis-streams/src/lua/scripts';
import { StreamKeys } from '../../libs/redis-streams/src/wire/stream-keys';
import { uniqueName } from '../support/names';
import { PrivateRedis } from '../support/redis-server';

describe('Lua steps (real Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const scripts = new RedisScripts(redis);
  let stream: string;
  let keys: string[];

  beforeEach(async () => {
    stream = uniqueName('lua');
    keys = [
      stream,
      StreamKeys.deadLetter(stream),
      StreamKeys.retrySchedule(stream, 'g'),
      StreamKeys.retryLane(stream, 'g'),
    ];
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  });
  afterEach(async () => {
    await redis.del(...keys, StreamKeys.promoterLease(stream, 'g'));
  });
  afterAll(() => redis.disconnect());

  async function deliver(): Promise<string> {
    const id = (await redis.xadd(stream, '*', 'type', 'x', 'data', '{}')) as string;
    await redis.xreadgroup('GROUP', 'g', 'c1', 'COUNT', 10, 'STREAMS', stream, '>');
    return id;
  }
  const pending = async (key: string): Promise<number> => ((await redis.xpending(key, 'g')) as [number])[0];

  it('schedule-retry acks and schedules together; does nothing for an entry no longer pending', async () => {
    const id = await deliver();
    const schedule = StreamKeys.retrySchedule(stream, 'g');
    expect(await scripts.scheduleRetry(stream, schedule, 'g', 'c1', id, 500, '["type","x"]', false)).toBe(
      true,
    );
    expect(await pending(stream)).toBe(0);
    expect(await redis.zcard(schedule)).toBe(1);
    // A second attempt (e.g. a late duplicate) finds it acknowledged: no second schedule entry.
    expect(await scripts.scheduleRetry(stream, schedule, 'g', 'c1', id, 500, '["type","y"]', false)).toBe(
      false,
    );
    expect(await redis.zcard(schedule)).toBe(1);
  });

  it('promote-retries moves only due members into the lane, under one lease holder', async () => {
    const schedule = StreamKeys.retrySchedule(stream, 'g');
    const lane = StreamKeys.retryLane(stream, 'g');
    const [seconds] = await redis.time();
    const now = Number(seconds) * 1000;
    await redis.zadd(schedule, now - 10_000, '["n","1"]', now + 60_000, '["n","2"]');
    const first = await scripts.promoteRetries(
      stream,
      StreamKeys.deadLetter(stream),
      'g',
      'c1',
      5000,
      100,
      1024,
    );
    expect(first.moved).toBe(1);
    expect(first.nextDueMs).toBe(now + 60_000);
    const entries = await redis.xrange(lane, '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual([['n', '1']]);
    expect(
      (await scripts.promoteRetries(stream, StreamKeys.deadLetter(stream), 'g', 'c2', 5000, 100, 1024)).moved,
    ).toBe(-1);
  });

  it('dead-letter writes the envelope and acks together', async () => {
    const id = await deliver();
    const dlq = StreamKeys.deadLetter(stream);
    const dlqId = await scripts.deadLetter(stream, dlq, 'g', 'c1', id, false, [
      'type',
      'x',
      'dlq_reason',
      'max-deliveries',
    ]);
    expect(dlqId).toMatch(/^\d+-\d+$/);
    expect(await pending(stream)).toBe(0);
    expect((await redis.xrange(dlq, '-', '+'))[0][1]).toEqual(['type', 'x', 'dlq_reason', 'max-deliveries']);
    expect(await scripts.deadLetter(stream, dlq, 'g', 'c1', id, false, ['type', 'x'])).toBeUndefined();
    expect(await redis.xlen(dlq)).toBe(1);
  });

  it('out of memory: the whole step is refused, the entry stays pending (never acked without its record)', async () => {
    const server = await PrivateRedis.start();
    const oom = new Redis(server.url);
    try {
      const oomScripts = new RedisScripts(oom);
      await oom.xgroup('CREATE', 's', 'g', '0', 'MKSTREAM');
      const id = (await oom.xadd('s', '*', 'type', 'x', 'data', '{}')) as string;
      await oom.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', 's', '>');
      await oom.config('SET', 'maxmemory', '1');
      await expect(
        oomScripts.deadLetter('s', '{s}:dlq', 'g', 'c1', id, false, ['type', 'x']),
      ).rejects.toThrow(/OOM/);
      await expect(
        oomScripts.scheduleRetry('s', '{s}:retry:g:due', 'g', 'c1', id, 10, '[]', false),
      ).rejects.toThrow(/OOM/);
      await oom.config('SET', 'maxmemory', '0');
      expect(((await oom.xpending('s', 'g')) as [number])[0]).toBe(1);
      expect(await oom.exists('{s}:dlq', '{s}:retry:g:due')).toBe(0);
    } finally {
      oom.disconnect();
      await server.destroy();
    }
  });
});
