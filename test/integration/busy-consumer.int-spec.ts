import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { RedisStreamsContext, StreamKeys, deliveryPolicy } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { simulateWork, waitFor } from '../support/wait';

/** Counts handlers running at once, and the most seen. */
class Concurrency {
  now = 0;
  max = 0;
  async around<T>(work: () => Promise<T>): Promise<T> {
    this.now++;
    this.max = Math.max(this.max, this.now);
    try {
      return await work();
    } finally {
      this.now--;
    }
  }
}

/** Delivery counts Redis holds for the entries pending in `group` on `key`. */
async function pendingCounts(redis: Redis, key: string, group: string): Promise<number[]> {
  const rows = (await redis.xpending(key, group, '-', '+', 100)) as Array<[string, string, number, number]>;
  return rows.map((row) => Number(row[3]));
}

describe('a busy consumer: probed, not cut; bounded; timed-out handlers keep their slot', () => {
  const fixture = useStreamFixture();
  const { redis } = fixture;

  it('every slot busy for longer than blockMs + stallMs: stays ready, keeps its read connection, counts one delivery', async () => {
    const stream = uniqueName('busy');
    fixture.track(stream, 'g');
    let runs = 0;
    const consumer = await startConsumer(
      [
        eventController(stream, async () => {
          runs++;
          await simulateWork(2000);
        }),
      ],
      { group: 'g', concurrency: 1, blockMs: 200, stallMs: 300 },
    );
    fixture.consumers.push(consumer);
    const [, blocking] = consumer.server.unwrap<[Redis, Redis]>();
    let reconnects = 0;
    blocking.on('reconnecting', () => reconnects++);
    await fixture.emit(stream, { slow: true });
    await waitFor(() => runs === 1, 'the handler started');
    const notReady: number[] = [];
    const counts = new Set<number>();
    // Four times blockMs + stallMs with no read outstanding: the watchdog probes instead of reading it as silence.
    while (consumer.server.getStats().handled === 0) {
      if (!consumer.server.health().ready) {
        notReady.push(Date.now());
      }
      (await pendingCounts(redis, stream, 'g')).forEach((count) => counts.add(count));
      await simulateWork(50);
    }
    expect(notReady).toEqual([]);
    expect(reconnects).toBe(0);
    expect([...counts]).toEqual([1]);
    expect(runs).toBe(1);
  });

  it('the PEL walk after a reconnect leaves entries running here alone: their delivery count stays 1', async () => {
    const stream = uniqueName('busy-reconnect');
    fixture.track(stream, 'g');
    const seen: number[] = [];
    let quick = 0;
    const consumer = await startConsumer(
      [
        eventController(stream, async (data, ctx) => {
          if ((data as { quick?: boolean }).quick) {
            quick++;
            return;
          }
          seen.push(ctx.getDeliveryCount());
          await simulateWork(1500);
        }),
      ],
      { group: 'g', concurrency: 4, blockMs: 200 },
    );
    fixture.consumers.push(consumer);
    const [, blocking] = consumer.server.unwrap<[Redis, Redis]>();
    let readies = 0;
    blocking.on('ready', () => readies++);
    await fixture.emit(stream, { n: 1 });
    await fixture.emit(stream, { n: 2 });
    await waitFor(() => seen.length === 2, 'both handlers started');
    const id = Number(await blocking.client('ID'));
    await redis.client('KILL', 'ID', id);
    await waitFor(() => readies >= 1, 'the read connection back');
    // The loop walks its PEL before its next read of new entries: once a later entry is handled, the walk is done.
    await fixture.emit(stream, { quick: true });
    await waitFor(() => quick === 1, 'an entry written after the reconnect handled');
    await waitFor(() => consumer.server.getStats().acked === 1, 'its ack');
    expect(consumer.server.getStats().handled).toBe(1);
    expect(await pendingCounts(redis, stream, 'g')).toEqual([1, 1]);
    await waitFor(() => consumer.server.getStats().acked === 3, 'the slow two acked');
    expect(seen).toEqual([1, 1]);
  });

  it('two streams and busy retry lanes: at most `concurrency` handlers run, at most concurrency + keys − 1 entries held', async () => {
    const streams = [uniqueName('bound-a'), uniqueName('bound-b')];
    streams.forEach((stream) => fixture.track(stream, 'g'));
    const running = new Concurrency();
    let maxHeld = 0;
    const handler = (data: unknown, ctx: RedisStreamsContext): Promise<void> =>
      running.around(async () => {
        await simulateWork(60);
        if ((data as { fail?: boolean }).fail && ctx.getDeliveryCount() === 1) {
          throw new Error('once');
        }
      });
    const consumer = await startConsumer(
      [eventController(streams[0], handler), eventController(streams[1], handler)],
      {
        group: 'g',
        concurrency: 2,
        batchSize: 50,
        retryPollMs: 10,
        delivery: { backoff: { type: 'fixed', baseMs: 10, jitter: 'none' } },
      },
    );
    fixture.consumers.push(consumer);
    for (let n = 0; n < 20; n++) {
      await Promise.all(streams.map((stream) => fixture.emit(stream, { n, fail: n % 2 === 0 })));
    }
    const keys = streams.flatMap((stream) => [stream, StreamKeys.retryLane(stream, 'g')]);
    while (consumer.server.getStats().handled < 40) {
      const held = (await Promise.all(keys.map((key) => pendingCounts(redis, key, 'g')))).flat().length;
      maxHeld = Math.max(maxHeld, held, consumer.server.getStats().inFlight);
      await simulateWork(5);
    }
    expect(consumer.server.getStats()).toMatchObject({ handled: 40, retried: 20, deadLettered: 0 });
    expect(running.max).toBe(2);
    expect(maxHeld).toBeLessThanOrEqual(2 + keys.length - 1);
  });

  it('concurrency 1 with two streams, new entries and a due retry: strictly one handler at a time', async () => {
    const streams = [uniqueName('seq-a'), uniqueName('seq-b')];
    streams.forEach((stream) => fixture.track(stream, 'g'));
    const running = new Concurrency();
    const order: string[] = [];
    const handler = (data: unknown, ctx: RedisStreamsContext): Promise<void> =>
      running.around(async () => {
        const { n } = data as { n: string };
        order.push(`${n}#${ctx.getDeliveryCount()}`);
        await simulateWork(20);
        if (n === 'a0' && ctx.getDeliveryCount() === 1) {
          throw new Error('retry me');
        }
      });
    const consumer = await startConsumer(
      [eventController(streams[0], handler), eventController(streams[1], handler)],
      {
        group: 'g',
        concurrency: 1,
        retryPollMs: 10,
        delivery: { backoff: { type: 'fixed', baseMs: 50, jitter: 'none' } },
      },
    );
    fixture.consumers.push(consumer);
    for (let n = 0; n < 10; n++) {
      await fixture.emit(streams[0], { n: `a${n}` });
      await fixture.emit(streams[1], { n: `b${n}` });
    }
    await waitFor(() => consumer.server.getStats().handled === 20, 'all 20 handled, the retry included');
    expect(running.max).toBe(1);
    expect(order).toHaveLength(21);
    expect(order).toContain('a0#2');
  });

  it('handlerTimeoutMs: a timed-out handler keeps its slot until it ends, its late result is counted, its signal aborts', async () => {
    const stream = uniqueName('timeout-slots');
    fixture.track(stream, 'g');
    const running = new Concurrency();
    const reasons: unknown[] = [];

    @Controller()
    class SlowController {
      @EventPattern(stream, deliveryPolicy({ handlerTimeoutMs: 100, maxDeliveries: 2 }))
      async handle(@Payload() data: { honour: boolean }, @Ctx() ctx: RedisStreamsContext): Promise<void> {
        await running.around(async () => {
          const signal = ctx.getAbortSignal();
          if (data.honour) {
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
            reasons.push(signal.reason);
            return;
          }
          await simulateWork(400); // ignores the signal
        });
      }
    }

    const consumer = await startConsumer([SlowController], {
      group: 'g',
      concurrency: 2,
      retryPollMs: 10,
      delivery: { backoff: { type: 'fixed', baseMs: 10, jitter: 'none' } },
    });
    fixture.consumers.push(consumer);
    for (let n = 0; n < 6; n++) {
      await fixture.emit(stream, { honour: n === 0 });
    }
    await waitFor(
      () => consumer.server.getStats().deadLettered === 6,
      'all six dead-lettered after 2 timeouts',
    );
    await waitFor(
      () => consumer.server.getStats().lateResults === 12,
      'every run ended late and was counted',
    );
    expect(running.max).toBe(2);
    expect(consumer.server.getStats().running).toBe(0);
    expect(reasons).toHaveLength(2);
    expect(reasons.every((reason) => (reason as Error).name === 'HandlerTimeoutError')).toBe(true);
  });
});
