import { RedisStreamsServerStats, StreamKeys } from '@app/redis-streams';
import { ChildConsumer } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

describe('a late failure of a stalled consumer', () => {
  const { redis, consumers, keys, track, emit } = useStreamFixture();
  let a: ChildConsumer | undefined;

  afterEach(async () => {
    a?.signal('SIGCONT');
    await a?.stop('SIGKILL');
    a = undefined;
  });

  it.each([
    ['a retry', 'error' as const],
    ['a dead letter', 'unrecoverable' as const],
  ])(
    'writes nothing (%s) for an entry a peer took over and is still handling; the peer acks it, handled once',
    async (_label, failure) => {
      const stream = uniqueName('late-failure');
      const record = uniqueName('late-failure-record');
      const statsKey = `${record}:stats`;
      track(stream, ['g']);
      keys.push(`${record}:started`, `${record}:thrown`, statsKey);
      const statsOfA = async (): Promise<RedisStreamsServerStats | undefined> => {
        const json = await redis.get(statsKey);
        return json ? (JSON.parse(json) as RedisStreamsServerStats) : undefined;
      };

      a = await ChildConsumer.start({
        REDIS_URL: process.env.REDIS_URL as string,
        PATTERN: stream,
        GROUP: 'g',
        CONSUMER: 'consumer-a',
        RECORD_KEY: record,
        HANDLER_MS: '1500',
        MIN_IDLE_MS: '300',
        RECLAIM_INTERVAL_MS: '100',
        FAIL: failure,
        // A scheduled retry stays in the schedule for the whole test: it is what the test looks for.
        RETRY_DELAY_MS: '60000',
        STATS_KEY: statsKey,
      });
      const id = await emit(stream, { n: 1 });
      await waitFor(async () => (await redis.lrange(`${record}:started`, 0, -1)).includes(id), 'A started');
      a.signal('SIGSTOP');

      // Peer B takes the entry over once A's lease renewals stop; its handler runs until the test lets it finish.
      const startedByB: number[] = [];
      let finishB: () => void = () => undefined;
      const bMayFinish = new Promise<void>((resolve) => (finishB = resolve));
      consumers.push(
        await startConsumer(
          [
            eventController(stream, async (_data, ctx) => {
              startedByB.push(ctx.getDeliveryCount());
              await bMayFinish;
            }),
          ],
          { group: 'g', consumer: 'consumer-b', minIdleMs: 300, reclaimIntervalMs: 100 },
        ),
      );
      const b = consumers[0].server;
      try {
        await waitFor(() => startedByB.length === 1, 'B took the entry over and started it', 10_000);
        expect(await redis.lrange(`${record}:thrown`, 0, -1)).toEqual([]);

        // A wakes up with its handler still "running", fails, and settles that failure while B still runs.
        a.signal('SIGCONT');
        await waitFor(
          async () => {
            const stats = await statsOfA();
            return stats !== undefined && stats.failed >= 1 && stats.inFlight === 0;
          },
          "A's late failure settled",
          10_000,
        );
        expect(startedByB).toHaveLength(1);
        expect(b.getStats().handled).toBe(0);
        expect(await redis.zcard(StreamKeys.retrySchedule(stream, 'g'))).toBe(0);
        expect(await redis.xlen(StreamKeys.retryLane(stream, 'g'))).toBe(0);
        expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0);
        expect(await statsOfA()).toMatchObject({ retried: 0, deadLettered: 0 });
        // Still B's: A acked nothing.
        const [row] = (await redis.xpending(stream, 'g', '-', '+', 10)) as Array<[string, string]>;
        expect(row.slice(0, 2)).toEqual([id, 'consumer-b']);
      } finally {
        finishB();
      }

      await waitFor(() => b.getStats().handled === 1, 'B handled the event');
      await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'B acked it');
      expect(b.getStats()).toMatchObject({ handled: 1, acked: 1, processedTwice: 0 });
      expect(startedByB).toEqual([2]);
      expect(await redis.lrange(`${record}:started`, 0, -1)).toEqual([id]);
      expect(await redis.zcard(StreamKeys.retrySchedule(stream, 'g'))).toBe(0);
      expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0);
    },
  );
});
