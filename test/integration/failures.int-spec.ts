import { Redis } from 'ioredis';
import { lastValueFrom, throwError, timer, map, mergeMap } from 'rxjs';
import { ClientRedisStreams } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, TestHandler, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/** XPENDING summary count for a group. */
async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  return ((await redis.xpending(stream, group)) as [number])[0];
}

describe('a failing handler is never acknowledged as a success', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  let consumer: TestConsumer | undefined;
  let stream: string | undefined;

  afterEach(async () => {
    await consumer?.close();
    if (stream) {
      await redis.del(stream);
    }
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  const failures: Array<[string, (fail: boolean) => unknown]> = [
    [
      'throws',
      (fail) => {
        if (fail) {
          throw new Error('boom');
        }
      },
    ],
    ['rejects', (fail) => (fail ? Promise.reject(new Error('boom')) : Promise.resolve())],
    [
      'returns an erroring Observable',
      (fail) =>
        timer(5).pipe(
          mergeMap(() => (fail ? throwError(() => new Error('boom')) : timer(1).pipe(map(() => 'ok')))),
        ),
    ],
  ];

  it.each(failures)(
    'a handler that %s: its entry is retried, then dead-lettered; the others are acked once',
    async (_label, behave) => {
      stream = uniqueName('fail');
      const deliveries = new Map<number, number>();
      const handler: TestHandler = (data) => {
        const n = (data as { n: number }).n;
        deliveries.set(n, (deliveries.get(n) ?? 0) + 1);
        return behave(n % 2 === 1);
      };
      consumer = await startConsumer([eventController(stream, handler)], {
        group: 'g',
        delivery: { maxDeliveries: 3, backoff: { type: 'fixed', baseMs: 20, jitter: 'none' } },
        retryPollMs: 20,
      });
      await Promise.all([0, 1, 2, 3].map((n) => lastValueFrom(client.emit<string>(stream as string, { n }))));
      const dlq = `{${stream}}:dlq`;
      await waitFor(async () => (await redis.xlen(dlq)) === 2, 'the two failing events dead-lettered');
      expect(Object.fromEntries(deliveries)).toEqual({ 0: 1, 1: 3, 2: 1, 3: 3 });
      expect(consumer.server.getStats()).toMatchObject({
        handled: 2,
        failed: 6,
        retried: 4,
        deadLettered: 2,
        acked: 2,
      });
      await waitFor(async () => (await pendingCount(redis, stream as string, 'g')) === 0, 'nothing pending');
      await redis.del(dlq);
    },
  );
});
