import { Redis } from 'ioredis';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { simulateWork, waitFor } from '../support/wait';

/** Kills every connection of the test Redis that is blocked in (or last ran) XREADGROUP: a consumer's read connection. */
async function killReadConnections(redis: Redis): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  const ids = list
    .split('\n')
    .filter((line) => / cmd=xreadgroup/.test(line))
    .map((line) => /\bid=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  for (const id of ids) {
    await redis.client('KILL', 'ID', id);
  }
  return ids.length;
}

/** Entries written straight to `stream` and read (delivered once) by a consumer named `consumer`, which then dies. */
async function pendingWithDeadConsumer(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  count: number,
): Promise<string[]> {
  await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  const pipeline = redis.pipeline();
  for (let n = 0; n < count; n++) {
    pipeline.xadd(stream, '*', 'type', stream, 'data', JSON.stringify({ n }));
  }
  const ids = ((await pipeline.exec()) ?? []).map(([, id]) => id as string);
  await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '>');
  return ids;
}

describe('one live process never starts an entry twice, and never guesses a delivery count', () => {
  const fixture = useStreamFixture();
  const { redis } = fixture;

  it('read connection killed 25 times under 2000 events/s: every entry started exactly once', async () => {
    const stream = uniqueName('kill-reads');
    fixture.track(stream, 'g');
    const starts = new Map<string, number>();
    const consumer = await startConsumer(
      [
        eventController(stream, (_data, ctx) => {
          starts.set(ctx.getEntryId(), (starts.get(ctx.getEntryId()) ?? 0) + 1);
        }),
      ],
      { group: 'g', blockMs: 200, batchSize: 50 },
    );
    fixture.consumers.push(consumer);
    const total = 6000;
    let written = 0;
    let kills = 0;
    const producing = (async () => {
      while (written < total) {
        await Promise.all(Array.from({ length: 20 }, () => fixture.emit(stream, { n: written++ })));
        await simulateWork(10); // ~2000 events/s
      }
    })();
    const killing = (async () => {
      while (kills < 25 && written < total) {
        kills += (await killReadConnections(redis)) > 0 ? 1 : 0;
        await simulateWork(100);
      }
    })();
    await Promise.all([producing, killing]);
    await waitFor(() => starts.size === total, `all ${total} handled`, 30_000);
    await waitFor(() => consumer.server.getStats().pendingAcks === 0, 'acks flushed');
    const twice = [...starts].filter(([, n]) => n > 1);
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(twice).toEqual([]);
    expect(consumer.server.getStats()).toMatchObject({ handled: total, processedTwice: 0 });
  });

  it('the PEL walk and the reclaimer find the same idle entries at start: each is started once', async () => {
    const stream = uniqueName('walk-vs-reclaim');
    fixture.track(stream, 'g');
    const name = `restarted-${process.pid}`;
    fixture.keys.push(`nrs:consumer:g:${name}`);
    await pendingWithDeadConsumer(redis, stream, 'g', name, 300);
    await simulateWork(60); // idle past minIdleMs below
    const starts = new Map<string, number>();
    const counts = new Set<number>();
    const consumer = await startConsumer(
      [
        eventController(stream, async (_data, ctx) => {
          starts.set(ctx.getEntryId(), (starts.get(ctx.getEntryId()) ?? 0) + 1);
          counts.add(ctx.getDeliveryCount());
          await simulateWork(300);
        }),
      ],
      { group: 'g', consumer: name, minIdleMs: 30, reclaimIntervalMs: 10, concurrency: 400, batchSize: 20 },
    );
    fixture.consumers.push(consumer);
    await waitFor(() => consumer.server.getStats().acked === 300, 'all 300 acked', 20_000);
    expect(starts.size).toBe(300);
    expect([...starts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts]).toEqual([2]);
  });

  it('reclaimed entries get their exact delivery count, also when entries this consumer runs sit between them', async () => {
    const stream = uniqueName('exact-counts');
    fixture.track(stream, 'g');
    // A dead consumer got e1..e3; e2 is moved to the live consumer's PEL (it will run it, slowly).
    const [e1, e2, e3] = await pendingWithDeadConsumer(redis, stream, 'g', 'dead', 3);
    await redis.xclaim(stream, 'g', 'live', 0, e2, 'JUSTID');
    fixture.keys.push('nrs:consumer:g:live');
    const seen = new Map<string, number>();
    const consumer = await startConsumer(
      [
        eventController(stream, async (_data, ctx) => {
          seen.set(ctx.getEntryId(), ctx.getDeliveryCount());
          if (ctx.getEntryId() === e2) {
            await simulateWork(1000); // still running while the reclaimer takes e1 and e3
          }
        }),
      ],
      { group: 'g', consumer: 'live', minIdleMs: 100, reclaimIntervalMs: 50 },
    );
    fixture.consumers.push(consumer);
    await waitFor(() => seen.size === 3, 'all three handled');
    // e1, e3: one delivery to `dead` + the reclaim; e2: one to `dead` (XCLAIM JUSTID counts none) + the PEL walk.
    expect(Object.fromEntries(seen)).toEqual({ [e1]: 2, [e2]: 2, [e3]: 2 });
  });
});
