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

describe('a failing handler leaves its entry pending', () => {
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
    'a handler that %s: its entry stays pending, the others are acked',
    async (_label, behave) => {
      stream = uniqueName('fail');
      const handled: number[] = [];
      const handler: TestHandler = (data) => {
        const n = (data as { n: number }).n;
        const result = behave(n % 2 === 1);
        handled.push(n);
        return result;
      };
      consumer = await startConsumer([eventController(stream, handler)], { group: 'g' });
      const ids = await Promise.all(
        [0, 1, 2, 3].map((n) => lastValueFrom(client.emit<string>(stream as string, { n }))),
      );
      await waitFor(
        () => consumer?.server.getStats().failed === 2 && consumer.server.getStats().acked === 2,
        'outcomes',
      );
      await waitFor(async () => (await pendingCount(redis, stream as string, 'g')) === 2, 'two pending');
      const pending = (await redis.xpending(stream, 'g', '-', '+', 10)) as Array<
        [string, string, number, number]
      >;
      expect(pending.map(([id]) => id).sort()).toEqual([ids[1], ids[3]].sort());
      expect(consumer.server.getStats()).toMatchObject({ handled: 2, failed: 2, acked: 2 });
    },
  );
});
