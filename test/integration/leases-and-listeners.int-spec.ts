import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { ConsumerNameLostError, RedisStreamsContext, StreamKeys } from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import { parseExposition, valueOf } from '../support/prometheus';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { simulateWork, waitFor } from '../support/wait';

const pendingCount = async (redis: Redis, stream: string): Promise<number> =>
  ((await redis.xpending(stream, 'g')) as [number])[0];

describe('leases of held entries, user listeners, failed starts', () => {
  const fixture = useStreamFixture();
  const { redis } = fixture;

  it('an entry whose XACK keeps failing keeps its lease: no peer takes it over meanwhile', async () => {
    const stream = uniqueName('ack-lease');
    fixture.track(stream, 'g');
    const user = `nrs-acker-${randomBytes(3).toString('hex')}`;
    await redis.acl('SETUSER', user, 'on', '>secret', '~*', '&*', '+@all');
    try {
      const url = new URL(process.env.REDIS_URL as string);
      url.username = user;
      url.password = 'secret';
      const handledBy = { a: 0, b: 0 };
      const options = { group: 'g', minIdleMs: 300, reclaimIntervalMs: 50 };
      const a = await startConsumer([eventController(stream, () => void handledBy.a++)], {
        ...options,
        url: url.toString(),
      });
      fixture.consumers.push(a);
      await redis.acl('SETUSER', user, '-xack'); // a's XACKs now fail (NOPERM) and are retried
      for (let n = 0; n < 5; n++) {
        await fixture.emit(stream, { n });
      }
      await waitFor(() => handledBy.a === 5, 'a handled all five');
      const b = await startConsumer([eventController(stream, () => void handledBy.b++)], options);
      fixture.consumers.push(b);
      // Five times minIdleMs: without renewal b's reclaimer would have taken all five.
      await simulateWork(1500);
      expect(await pendingCount(redis, stream)).toBe(5);
      await redis.acl('SETUSER', user, '+xack');
      await waitFor(async () => (await pendingCount(redis, stream)) === 0, "a's XACKs through");
      expect(handledBy).toEqual({ a: 5, b: 0 });
      expect(b.server.getStats().reclaimed).toBe(0);
    } finally {
      await Promise.all(fixture.consumers.splice(0).map((consumer) => consumer.close()));
      await redis.acl('DELUSER', user);
    }
  });

  it('a running entry taken by another consumer: counted once in leasesLost, its abort signal fires', async () => {
    const stream = uniqueName('taken');
    fixture.track(stream, 'g');
    let signal: AbortSignal | undefined;
    const consumer = await startConsumer(
      [
        eventController(stream, async (_data, ctx: RedisStreamsContext) => {
          signal = ctx.getAbortSignal();
          await simulateWork(1200);
        }),
      ],
      { group: 'g', minIdleMs: 150 }, // renewed every 50 ms
    );
    fixture.consumers.push(consumer);
    const id = await fixture.emit(stream, { n: 1 });
    await waitFor(() => signal !== undefined, 'the handler running');
    await redis.xclaim(stream, 'g', 'thief', 0, id, 'JUSTID');
    await waitFor(() => consumer.server.getStats().handled === 1, 'the handler done');
    expect(consumer.server.getStats().leasesLost).toBe(1);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error).message).toMatch(/another consumer/);
  });

  it('a running entry deleted from its stream: counted as deleted while pending, not as taken over', async () => {
    const stream = uniqueName('deleted-running');
    fixture.track(stream, 'g');
    let running = false;
    const consumer = await startConsumer(
      [
        eventController(stream, async () => {
          running = true;
          await simulateWork(1000);
        }),
      ],
      { group: 'g', minIdleMs: 150 },
    );
    fixture.consumers.push(consumer);
    const id = await fixture.emit(stream, { n: 1 });
    await waitFor(() => running, 'the handler running');
    await redis.xdel(stream, id);
    await waitFor(() => consumer.server.getStats().handled === 1, 'the handler done');
    expect(consumer.server.getStats()).toMatchObject({
      deletedWhilePending: 1,
      leasesLost: 0,
      processedTwice: 0,
    });
    expect(await pendingCount(redis, stream)).toBe(0);
  });

  it("a listener that throws on 'handled' neither skips the ack nor becomes an unhandled rejection", async () => {
    const stream = uniqueName('throwing-listener');
    fixture.track(stream, 'g');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const consumer = await startConsumer([eventController(stream, () => undefined)], { group: 'g' });
      fixture.consumers.push(consumer);
      consumer.server.on('handled', () => {
        throw new Error('listener bug');
      });
      await fixture.emit(stream, { n: 1 });
      await waitFor(() => consumer.server.getStats().acked === 1, 'acked despite the listener');
      await simulateWork(50); // an unhandled rejection would be reported by now
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('another process takes the name: the server stops consuming and says so in logs, health, stats and metrics', async () => {
    const stream = uniqueName('name-taken');
    fixture.track(stream, 'g');
    const name = `pod-${randomBytes(3).toString('hex')}`;
    const leaseKey = StreamKeys.consumerLease('g', name);
    fixture.keys.push(leaseKey);
    let handled = 0;
    const consumer = await startConsumer([eventController(stream, () => void handled++)], {
      group: 'g',
      consumer: name,
      consumerLeaseMs: 300,
    });
    fixture.consumers.push(consumer);
    const errors: Error[] = [];
    consumer.server.on('error', (error) => errors.push(error));
    const registry = new Registry();
    new RedisStreamsMetrics({ registry }).observeServer(consumer.server);
    await fixture.emit(stream, { n: 0 });
    await waitFor(() => handled === 1, 'handled while it holds the name');
    await redis.set(leaseKey, 'another-process', 'PX', 60_000); // what a same-named process does once it lapsed
    await waitFor(() => consumer.server.getStats().consumerNameLost === 1, 'the name lost');
    for (let n = 1; n <= 5; n++) {
      await fixture.emit(stream, { n });
    }
    expect(consumer.server.health()).toMatchObject({ ready: false, consumerNameLost: true });
    expect(errors.some((error) => error instanceof ConsumerNameLostError)).toBe(true);
    const samples = parseExposition(await registry.metrics());
    expect(valueOf(samples, 'redis_streams_consumer_name_lost_total', { group: 'g' })).toBe(1);
    // The five later events are left for whoever holds the name now: unread, or (a read already on the wire when
    // the name was lost) in the name's PEL, which its new holder walks at start. None handled or acked here.
    const [group] = (await redis.xinfo('GROUPS', stream)) as unknown[][];
    const pending = ((await redis.xpending(stream, 'g')) as [number])[0];
    expect(Number(group[group.indexOf('lag') + 1]) + pending).toBe(5);
    expect(handled).toBe(1);
    expect(await redis.get(leaseKey)).toBe('another-process');
  });

  it('a start that fails after the name was leased gives the name back and closes its connections', async () => {
    const stream = uniqueName('failed-start');
    fixture.track(stream, 'g');
    const name = `pod-${randomBytes(3).toString('hex')}`;
    fixture.keys.push(`nrs:consumer:g:${name}`);
    const clients = async (): Promise<number> =>
      ((await redis.client('LIST')) as string).trim().split('\n').length;
    const before = await clients();
    await redis.set(stream, 'not a stream'); // XGROUP CREATE fails: WRONGTYPE
    const handler = eventController(stream, () => undefined);
    const options = { group: 'g', consumer: name, consumerLeaseMs: 5000 };
    await expect(startConsumer([handler], options)).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.exists(`nrs:consumer:g:${name}`)).toBe(0);
    await waitFor(async () => (await clients()) === before, 'its connections closed');
    await redis.del(stream);
    // The name is free at once: no renewal keeps it (it would be refused for another 5 s and more).
    const started = Date.now();
    const consumer: TestConsumer = await startConsumer([handler], options);
    fixture.consumers.push(consumer);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
