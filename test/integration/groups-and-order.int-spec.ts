import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

describe('consumer groups and ordering', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  let consumers: TestConsumer[] = [];
  let streams: string[] = [];

  afterEach(async () => {
    await Promise.all(consumers.map((consumer) => consumer.close()));
    if (streams.length > 0) {
      await redis.del(...streams);
    }
    consumers = [];
    streams = [];
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  async function emitMany(pattern: string, count: number): Promise<string[]> {
    return Promise.all(
      Array.from({ length: count }, (_, n) => lastValueFrom(client.emit<string>(pattern, { n }))),
    );
  }

  it('two services (two groups) on one stream each receive every event', async () => {
    const pattern = uniqueName('fanout');
    streams.push(pattern);
    const billing: number[] = [];
    const shipping: number[] = [];
    consumers.push(
      await startConsumer(
        [eventController(pattern, (data) => void billing.push((data as { n: number }).n))],
        {
          group: 'billing',
        },
      ),
      await startConsumer(
        [eventController(pattern, (data) => void shipping.push((data as { n: number }).n))],
        {
          group: 'shipping',
        },
      ),
    );
    await emitMany(pattern, 50);
    await waitFor(() => billing.length === 50 && shipping.length === 50, 'both groups to get all 50');
    expect(new Set(billing).size).toBe(50);
    expect(new Set(shipping).size).toBe(50);
  });

  it('two consumers in one group split the events, none handled twice', async () => {
    const pattern = uniqueName('split');
    streams.push(pattern);
    const byConsumer = new Map<string, number[]>();
    const record = (data: unknown, consumer: string): void => {
      const list = byConsumer.get(consumer) ?? [];
      list.push((data as { n: number }).n);
      byConsumer.set(consumer, list);
    };
    // Slow handlers and a small batch, so both consumers get a share.
    const handler = async (data: unknown, ctx: { getConsumer(): string }): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve));
      record(data, ctx.getConsumer());
    };
    for (const name of ['worker-1', 'worker-2']) {
      consumers.push(
        await startConsumer([eventController(pattern, handler)], {
          group: 'workers',
          consumer: name,
          batchSize: 5,
          concurrency: 5,
        }),
      );
    }
    await emitMany(pattern, 200);
    const all = (): number[] => [...byConsumer.values()].flat();
    await waitFor(() => all().length >= 200, '200 events handled');
    expect(all()).toHaveLength(200);
    expect(new Set(all()).size).toBe(200);
    expect(byConsumer.get('worker-1')?.length).toBeGreaterThan(0);
    expect(byConsumer.get('worker-2')?.length).toBeGreaterThan(0);
    await waitFor(async () => ((await redis.xpending(pattern, 'workers')) as [number])[0] === 0, 'all acked');
  });

  it('events from one producer reach a single consumer in order', async () => {
    const pattern = uniqueName('order');
    streams.push(pattern);
    const seen: number[] = [];
    consumers.push(
      await startConsumer(
        [
          eventController(pattern, async (data) => {
            seen.push((data as { n: number }).n);
            // Handlers of later entries must not overtake: yield so a wrong dispatcher would interleave.
            await new Promise((resolve) => setImmediate(resolve));
          }),
        ],
        { group: 'ordered', batchSize: 7 },
      ),
    );
    for (let n = 0; n < 300; n++) {
      void lastValueFrom(client.emit(pattern, { n }));
    }
    await waitFor(() => seen.length === 300, '300 events');
    expect(seen).toEqual(Array.from({ length: 300 }, (_, n) => n));
  });
});
