import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsContext } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { ChildConsumer } from '../support/child-consumer';
import { RedisProxy } from '../support/redis-proxy';
import { waitFor } from '../support/wait';

describe('read loop: prefetch bound, batched acks, shutdown deadline, lost replies', () => {
  const url = process.env.REDIS_URL as string;
  const redis = new Redis(url);
  const client = new ClientRedisStreams();
  let consumer: TestConsumer | undefined;
  let proxy: RedisProxy | undefined;
  let stream: string | undefined;

  afterEach(async () => {
    await consumer?.close();
    await proxy?.close();
    if (stream) {
      await redis.del(stream);
    }
    consumer = undefined;
    proxy = undefined;
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  const emit = (pattern: string, data: unknown): Promise<string> =>
    lastValueFrom(client.emit<string>(pattern, data));

  it('never holds more unfinished entries than `concurrency`: reads ask only for free slots', async () => {
    const pattern = (stream = uniqueName('prefetch'));
    let running = 0;
    let maxRunning = 0;
    let maxUnfinished = 0;
    let handled = 0;
    consumer = await startConsumer(
      [
        eventController(pattern, async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          // Entries read but not finished yet: a reader that asked for more than its free slots would show them here.
          const stats = consumer?.server.getStats();
          maxUnfinished = Math.max(
            maxUnfinished,
            (stats?.received ?? 0) - (stats?.handled ?? 0) - (stats?.failed ?? 0),
          );
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
          handled++;
        }),
      ],
      { group: 'g', concurrency: 3, batchSize: 100 },
    );
    await Promise.all(Array.from({ length: 30 }, (_, n) => emit(pattern, { n })));
    await waitFor(() => handled === 30, '30 handled');
    expect(maxRunning).toBe(3);
    expect(maxUnfinished).toBe(3);
  });

  it('acknowledges in batches, not one XACK per entry', async () => {
    const pattern = (stream = uniqueName('acks'));
    proxy = await RedisProxy.inFrontOfTestRedis();
    consumer = await startConsumer([eventController(pattern, () => undefined)], {
      url: proxy.url,
      group: 'g',
    });
    proxy.count('xack');
    await Promise.all(Array.from({ length: 300 }, (_, n) => emit(pattern, { n })));
    await waitFor(() => consumer?.server.getStats().acked === 300, '300 acked');
    expect(((await redis.xpending(pattern, 'g')) as [number])[0]).toBe(0);
    expect(proxy.sent('xack')).toBeGreaterThan(0);
    expect(proxy.sent('xack')).toBeLessThanOrEqual(30);
  });

  it('reads a backlog in batches (waiting briefly for more free slots), not one XREADGROUP per freed slot', async () => {
    const pattern = (stream = uniqueName('batches'));
    await Promise.all(Array.from({ length: 1000 }, (_, n) => emit(pattern, { n })));
    proxy = await RedisProxy.inFrontOfTestRedis();
    proxy.count('XREADGROUP');
    // Handlers that end up to 100 event-loop turns apart free their slots a little at a time (no timers), in a consumer
    // process of its own: in the jest process, what earlier test files left running slowed each turn (57 reads seen
    // in a full run against 27–28 alone), which measures the jest process, not the read loop.
    const child = await ChildConsumer.startFixture('test/fixtures/batched-reads-process.ts', {
      REDIS_URL: proxy.url,
      PATTERN: pattern,
      GROUP: 'g',
      // No room for a second batch beside the first: a reader that read as soon as one slot freed would read tiny ones.
      BATCH: '100',
      CONCURRENCY: '100',
    });
    try {
      await waitFor(
        async () => {
          const [group] = (await redis.xinfo('GROUPS', pattern)) as Array<Array<string | number>>;
          const field = (name: string): number => Number(group[group.indexOf(name) + 1]);
          return field('entries-read') === 1000 && field('pending') === 0;
        },
        '1000 read and acknowledged',
        30_000,
      );
    } finally {
      await child.stop('SIGKILL');
    }
    // Measured in that process: 28–29 reads with the gathering, 61–62 when a read went out as soon as a slot freed.
    expect(proxy.sent('XREADGROUP')).toBeLessThanOrEqual(45);
  });

  it('a slot freed beside long-running handlers is still used, not held back to batch reads', async () => {
    const pattern = (stream = uniqueName('gather'));
    let release = (): void => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const handled: number[] = [];
    consumer = await startConsumer(
      [
        eventController(pattern, async (data) => {
          const { n } = data as { n: number };
          if (n < 3) {
            await blocked;
          }
          handled.push(n);
        }),
      ],
      { group: 'g', concurrency: 4, batchSize: 100 },
    );
    try {
      for (let n = 0; n < 10; n++) {
        await emit(pattern, { n });
      }
      // Three handlers hold three of the four slots: the quick ones pass through the last one, one by one.
      await waitFor(
        () => handled.length === 7,
        'the seven quick events handled beside the three blocked ones',
      );
      expect(handled).toEqual([3, 4, 5, 6, 7, 8, 9]);
    } finally {
      release();
    }
    await waitFor(() => handled.length === 10, 'all ten handled');
  });

  it('close() gives up on a handler that outlives shutdownTimeoutMs and leaves its entry pending', async () => {
    const pattern = (stream = uniqueName('deadline'));
    let release: () => void = () => undefined;
    let started = false;
    let finished = false;
    consumer = await startConsumer(
      [
        eventController(pattern, async () => {
          started = true;
          await new Promise<void>((resolve) => (release = resolve));
          finished = true;
        }),
      ],
      { group: 'g', shutdownTimeoutMs: 300 },
    );
    const id = await emit(pattern, { slow: true });
    await waitFor(() => started, 'the handler to start');
    const server = consumer.server;
    let closed = false;
    const closing = consumer.close().then(() => (closed = true));
    consumer = undefined;
    await waitFor(() => closed, 'close() to return after its deadline', 10_000);
    expect(finished).toBe(false);
    const pending = (await redis.xpending(pattern, 'g', '-', '+', 10)) as Array<[string]>;
    expect(pending.map(([entryId]) => entryId)).toEqual([id]);
    // The handler finishing after close() does not start acknowledging on a closed connection: it stays pending.
    release();
    await closing;
    await waitFor(() => finished, 'the late handler to finish');
    await waitFor(() => server.getStats().handled === 1, 'the late success to be counted');
    expect(server.getStats()).toMatchObject({ acked: 0, pendingAcks: 0 });
    expect(((await redis.xpending(pattern, 'g')) as [number])[0]).toBe(1);
  });

  it('a lost XREADGROUP reply: after the reconnect the consumer re-reads its own PEL and handles the entry', async () => {
    const pattern = (stream = uniqueName('lost-reply'));
    proxy = await RedisProxy.inFrontOfTestRedis();
    const seen: RedisStreamsContext[] = [];
    consumer = await startConsumer([eventController(pattern, (_data, ctx) => void seen.push(ctx))], {
      url: proxy.url,
      group: 'g',
      maxReconnectDelayMs: 100,
    });
    const marker = `marker-${pattern}`;
    proxy.dropReplyContaining(marker);
    const id = await emit(pattern, { marker });
    await waitFor(() => seen.length === 1, 'the entry whose delivery was lost to be handled', 15_000);
    expect(proxy.droppedReplies).toBe(1);
    expect(seen[0].getEntryId()).toBe(id);
    expect(seen[0].getDeliveryCount()).toBe(2);
    await waitFor(async () => ((await redis.xpending(pattern, 'g')) as [number])[0] === 0, 'the ack');
  });
});
