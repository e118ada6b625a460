import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { simulateWork, waitFor } from '../support/wait';

describe('policy and reclaim edge cases', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  let consumer: TestConsumer | undefined;
  const keys: string[] = [];

  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    if (keys.length > 0) {
      await redis.del(...keys.splice(0));
    }
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  function track(stream: string): string {
    keys.push(stream, StreamKeys.deadLetter(stream), StreamKeys.retryLane(stream, 'g'));
    keys.push(StreamKeys.retrySchedule(stream, 'g'), StreamKeys.promoterLease(stream, 'g'));
    return stream;
  }
  const fieldOf = (raw: string[], name: string): string => raw[raw.indexOf(name) + 1];

  it('a handler slower than handlerTimeoutMs counts as a failure: retried, then dead-lettered with HandlerTimeoutError', async () => {
    const stream = track(uniqueName('timeout'));
    let runs = 0;
    consumer = await startConsumer(
      [
        eventController(stream, async () => {
          runs++;
          await simulateWork(300);
        }),
      ],
      {
        group: 'g',
        retryPollMs: 10,
        delivery: { maxDeliveries: 2, handlerTimeoutMs: 50, backoff: { baseMs: 10, jitter: 'none' } },
      },
    );
    await lastValueFrom(client.emit(stream, { slow: true }));
    await waitFor(() => consumer?.server.getStats().deadLettered === 1, 'dead-lettered', 10_000);
    const [[, raw]] = await redis.xrange(StreamKeys.deadLetter(stream), '-', '+');
    expect(fieldOf(raw, 'dlq_reason')).toBe('max-deliveries');
    expect(fieldOf(raw, 'dlq_error_class')).toBe('HandlerTimeoutError');
    expect(fieldOf(raw, 'dlq_attempts')).toBe('2');
    expect(runs).toBe(2);
  });

  it("a shared stream configured with unknownTypes: 'dead-letter' dead-letters types nobody here handles", async () => {
    const stream = track(uniqueName('shared'));
    const seen: string[] = [];
    consumer = await startConsumer([eventController(`${stream}.a`, () => void seen.push('a'))], {
      group: 'g',
      routes: [{ stream, patterns: [`${stream}.a`, `${stream}.b`], unknownTypes: 'dead-letter' }],
    });
    const producer = new ClientRedisStreams({
      routes: [{ stream, patterns: [`${stream}.a`, `${stream}.b`] }],
    });
    await lastValueFrom(producer.emit(`${stream}.b`, { n: 1 }));
    await lastValueFrom(producer.emit(`${stream}.a`, { n: 2 }));
    await producer.close();
    await waitFor(
      () => seen.length === 1 && consumer?.server.getStats().deadLettered === 1,
      'a handled, b dead-lettered',
    );
    const [[, raw]] = await redis.xrange(StreamKeys.deadLetter(stream), '-', '+');
    expect([fieldOf(raw, 'type'), fieldOf(raw, 'dlq_reason')]).toEqual([`${stream}.b`, 'no-handler']);
    expect(consumer.server.getStats().skipped).toBe(0);
  });

  it('an entry deleted while pending in a dead consumer is recorded by the reclaimer, and the loop goes on', async () => {
    const stream = track(uniqueName('deleted-pending'));
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const id = (await redis.xadd(stream, '*', 'type', stream, 'data', '{}')) as string;
    await redis.xreadgroup('GROUP', 'g', 'dead-pod', 'COUNT', 1, 'STREAMS', stream, '>');
    await redis.xdel(stream, id);
    const seen: unknown[] = [];
    consumer = await startConsumer([eventController(stream, (data) => void seen.push(data))], {
      group: 'g',
      minIdleMs: 30,
      reclaimIntervalMs: 30,
    });
    await waitFor(() => consumer?.server.getStats().deletedWhilePending === 1, 'the deleted id recorded');
    await lastValueFrom(client.emit(stream, { after: true }));
    await waitFor(() => seen.length === 1, 'a later entry handled');
    await waitFor(
      async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0,
      'its ack (batched)',
    );
  });
});
