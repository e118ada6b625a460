import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsServerStats, StreamKeys } from '@app/redis-streams';
import { ChildConsumer, ChildConsumerEnv } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { simulateWork, waitFor } from '../support/wait';

describe('reclaim, leases and hand-over (real processes)', () => {
  const url = process.env.REDIS_URL as string;
  const redis = new Redis(url);
  const client = new ClientRedisStreams();
  const children: ChildConsumer[] = [];
  let consumers: TestConsumer[] = [];
  const keys: string[] = [];

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => (child.signal('SIGCONT'), child.stop('SIGKILL'))));
    await Promise.all(consumers.map((consumer) => consumer.close()));
    consumers = [];
    if (keys.length > 0) {
      await redis.del(...keys.splice(0));
    }
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  function names(label: string): { pattern: string; record: string; stats: string } {
    const pattern = uniqueName(label);
    const record = `${pattern}:handled`;
    const stats = `${pattern}:stats`;
    keys.push(pattern, record, `${record}:started`, stats, StreamKeys.deadLetter(pattern));
    keys.push(
      StreamKeys.retryLane(pattern, 'g'),
      StreamKeys.retrySchedule(pattern, 'g'),
      StreamKeys.promoterLease(pattern, 'g'),
    );
    return { pattern, record, stats };
  }
  const emit = (pattern: string, data: unknown): Promise<string> =>
    lastValueFrom(client.emit<string>(pattern, data));
  async function recorded(record: string): Promise<string[]> {
    return (await redis.lrange(record, 0, -1)).map((line) => line.split('|')[0]);
  }
  const pending = async (key: string): Promise<number> => ((await redis.xpending(key, 'g')) as [number])[0];

  it('a consumer paused with SIGSTOP past minIdle: its entries are taken over, nothing lost, its late acks counted', async () => {
    const { pattern, record, stats } = names('sigstop');
    const env: ChildConsumerEnv = {
      REDIS_URL: url,
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      STATS_KEY: stats,
      HANDLER_MS: '300',
      CONCURRENCY: '5',
      BATCH: '5',
      MIN_IDLE_MS: '600',
      RECLAIM_INTERVAL_MS: '100',
    };
    const paused = await ChildConsumer.start(env);
    children.push(paused);
    const ids = await Promise.all(Array.from({ length: 5 }, (_, n) => emit(pattern, { n })));
    await waitFor(
      async () => (await redis.llen(`${record}:started`)) === 5,
      'the paused consumer holding all 5',
    );
    paused.signal('SIGSTOP');

    const seen: string[] = [];
    const survivor = await startConsumer(
      [eventController(pattern, (_data, ctx) => void seen.push(ctx.getEntryId()))],
      { group: 'g', minIdleMs: 600, reclaimIntervalMs: 100 },
    );
    consumers.push(survivor);
    await waitFor(() => seen.length === 5, 'the survivor to take all 5 over', 10_000);
    expect([...seen].sort()).toEqual([...ids].sort());
    expect(survivor.server.getStats().reclaimed).toBe(5);

    paused.signal('SIGCONT');
    // The resumed process finishes its handlers late: it learns that the entries were taken (leases lost) or its
    // XACK finds them already acknowledged; either way it is counted, and nothing stays pending.
    await waitFor(
      async () => {
        const s = JSON.parse((await redis.get(stats)) ?? '{}') as Partial<RedisStreamsServerStats>;
        return (s.leasesLost ?? 0) + (s.processedTwice ?? 0) >= 5;
      },
      'the late results to be counted',
      10_000,
    );
    await waitFor(async () => (await pending(pattern)) === 0, 'nothing pending');
    expect(new Set(await recorded(record))).toEqual(new Set(ids));
  });

  it('a handler running 3×minIdle in a live process keeps its lease and is not run twice', async () => {
    const { pattern } = names('heartbeat');
    const starts: string[] = [];
    let finished = 0;
    const slow = eventController(pattern, async (_data, ctx) => {
      starts.push(ctx.getConsumer());
      await simulateWork(900);
      finished++;
    });
    const options = { group: 'g', minIdleMs: 300, reclaimIntervalMs: 50 };
    consumers.push(await startConsumer([slow], options), await startConsumer([slow], options));
    await emit(pattern, { slow: true });
    await waitFor(() => finished === 1, 'the slow handler to finish', 10_000);
    await waitFor(async () => (await pending(pattern)) === 0, 'acked');
    expect(starts).toHaveLength(1);
    expect(consumers.map((c) => c.server.getStats().reclaimed)).toEqual([0, 0]);
  });

  it('crash between handler success and XACK: each such event is handled exactly twice, none lost', async () => {
    const { pattern, record } = names('crash-ack');
    const env: ChildConsumerEnv = {
      REDIS_URL: url,
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      CONSUMER: 'pod-0',
    };
    const killers: string[] = [];
    const normal: string[] = [];
    for (let round = 0; round < 3; round++) {
      const child = await ChildConsumer.start(env);
      children.push(child);
      normal.push(await emit(pattern, { n: round }));
      killers.push(await emit(pattern, { killAfterSuccess: true }));
      await child.exited(); // it killed itself after handling, before acknowledging
    }
    children.push(await ChildConsumer.start(env));
    await waitFor(
      async () => (await pending(pattern)) === 0,
      'everything acknowledged after the last restart',
      20_000,
    );
    const counts = new Map<string, number>();
    for (const id of await recorded(record)) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect(killers.map((id) => counts.get(id))).toEqual([2, 2, 2]);
    expect(normal.every((id) => (counts.get(id) ?? 0) >= 1)).toBe(true);
  });

  it('SIGTERM under load: in-flight that finish in time are acked, the rest are claimable by the survivor at once', async () => {
    const { pattern, record } = names('handover');
    const env: ChildConsumerEnv = {
      REDIS_URL: url,
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      CONSUMER: 'leaving',
      CONCURRENCY: '4',
      BATCH: '4',
      SHUTDOWN_TIMEOUT_MS: '1000',
    };
    const leaving = await ChildConsumer.start(env);
    children.push(leaving);
    const quick = [await emit(pattern, { handlerMs: 200 }), await emit(pattern, { handlerMs: 200 })];
    const slow = [await emit(pattern, { handlerMs: 20_000 }), await emit(pattern, { handlerMs: 20_000 })];
    await waitFor(
      async () => (await redis.llen(`${record}:started`)) === 4,
      'the leaving consumer busy with all 4',
    );
    await leaving.stop('SIGTERM');

    // The quick ones finished within the deadline and were acknowledged before exit.
    expect((await recorded(record)).sort()).toEqual([...quick].sort());
    const rows = (await redis.xpending(pattern, 'g', '-', '+', 10)) as Array<
      [string, string, number, number]
    >;
    expect(rows.map(([id]) => id).sort()).toEqual([...slow].sort());
    // The slow ones were handed over: still in its PEL (so its consumer record is kept), idle far past any minIdle.
    expect(rows.every(([, consumer, idle]) => consumer === 'leaving' && idle > 60_000)).toBe(true);

    const seen: string[] = [];
    const startedAt = Date.now();
    consumers.push(
      await startConsumer([eventController(pattern, (_data, ctx) => void seen.push(ctx.getEntryId()))], {
        group: 'g',
        minIdleMs: 60_000,
        reclaimIntervalMs: 100,
      }),
    );
    await waitFor(() => seen.length === 2, 'the survivor to take the rest over', 5000);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect([...seen].sort()).toEqual([...slow].sort());
    await waitFor(async () => (await pending(pattern)) === 0, 'nothing pending');
  });

  it('a consumer that shuts down with nothing pending is deleted from the group', async () => {
    const { pattern } = names('leave');
    const idle = await startConsumer([eventController(pattern, () => undefined)], {
      group: 'g',
      consumer: 'tidy',
    });
    await emit(pattern, { n: 1 });
    await waitFor(() => idle.server.getStats().acked === 1, 'handled');
    await idle.close();
    const remaining = ((await redis.xinfo('CONSUMERS', pattern, 'g')) as unknown[][]).map((c) => c[1]);
    expect(remaining).not.toContain('tidy');
  });
});
