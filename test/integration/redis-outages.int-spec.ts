import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { PrivateRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';

describe('Redis restarts and vanishing streams', () => {
  let server: PrivateRedis | undefined;
  let consumer: TestConsumer | undefined;
  let client: ClientRedisStreams | undefined;

  afterEach(async () => {
    await consumer?.close();
    await client?.close();
    await server?.destroy();
    consumer = undefined;
    client = undefined;
    server = undefined;
  });

  async function emitRange(pattern: string, from: number, count: number): Promise<void> {
    for (let n = from; n < from + count; n++) {
      await lastValueFrom((client as ClientRedisStreams).emit(pattern, { n }));
    }
  }

  it.each([
    ['with AOF (appendfsync always): group state survives', true],
    ['without persistence: the group is recreated from 0', false],
  ])(
    'Redis killed and restarted under a running consumer %s; the loop reconnects and keeps consuming',
    async (_label, appendOnly) => {
      server = await PrivateRedis.start({ appendOnly });
      const pattern = uniqueName('restart');
      const seen = new Set<number>();
      consumer = await startConsumer(
        [eventController(pattern, (data) => void seen.add((data as { n: number }).n))],
        {
          url: server.url,
          group: 'g',
          maxReconnectDelayMs: 200,
        },
      );
      client = new ClientRedisStreams({ url: server.url });
      await emitRange(pattern, 0, 10);
      await waitFor(() => seen.size === 10, 'first 10 handled');

      await server.kill();
      await waitFor(() => consumer?.server.getStats() && true, 'consumer alive');
      await server.startProcess();
      await waitFor(
        async () => {
          try {
            await emitRange(pattern, 10, 1);
            return true;
          } catch {
            return false;
          }
        },
        'client to write again after restart',
        15_000,
        100,
      );
      await emitRange(pattern, 11, 9);
      await waitFor(() => seen.size === 20, 'events after the restart handled', 15_000);
      const probe = new Redis(server.url);
      await waitFor(
        async () => ((await probe.xpending(pattern, 'g')) as [number])[0] === 0,
        'nothing pending',
      );
      probe.disconnect();
    },
  );

  it('stream deleted under the consumer: the group is recreated and later entries are handled', async () => {
    const url = process.env.REDIS_URL as string;
    const redis = new Redis(url);
    const pattern = uniqueName('deleted');
    const seen: number[] = [];
    consumer = await startConsumer(
      [eventController(pattern, (data) => void seen.push((data as { n: number }).n))],
      {
        group: 'g',
        maxReconnectDelayMs: 200,
      },
    );
    client = new ClientRedisStreams();
    await emitRange(pattern, 0, 3);
    await waitFor(() => seen.length === 3, 'first 3 handled');

    await redis.del(pattern);
    await emitRange(pattern, 3, 5); // XADD recreates the stream, without any group
    await waitFor(() => seen.length === 8, 'entries written after the delete handled', 15_000);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const groups = (await redis.xinfo('GROUPS', pattern)) as unknown[];
    expect(JSON.stringify(groups)).toContain('"g"');
    await consumer.close(); // first: a running consumer would recreate the stream (MKSTREAM) after a delete
    consumer = undefined;
    await redis.del(pattern);
    redis.disconnect();
  });
});
