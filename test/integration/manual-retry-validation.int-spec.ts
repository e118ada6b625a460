import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

// ctx.retry({ delayMs: Infinity }) used to write score `inf` into the retry schedule: the event never came back.
describe('ctx.retry with a delay that is not a finite integer up to 7 days (real Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  const stream = uniqueName('manual-retry');
  const schedule = StreamKeys.retrySchedule(stream, 'g');
  let consumer: TestConsumer | undefined;

  afterAll(async () => {
    await consumer?.close();
    await redis.del(stream, StreamKeys.deadLetter(stream));
    await client.close();
    redis.disconnect();
  });

  it('is refused before settling; the handler failure is then retried by the transport as usual', async () => {
    let deliveries = 0;
    let refusal: Error | undefined;
    consumer = await startConsumer(
      [
        eventController(stream, async (_data, ctx) => {
          deliveries++;
          if (deliveries > 1) {
            await ctx.ack();
            return;
          }
          try {
            await ctx.retry({ delayMs: Infinity });
          } catch (error) {
            refusal = error as Error;
            throw error;
          }
        }),
      ],
      {
        group: 'g',
        delivery: {
          autoAck: false,
          maxDeliveries: 3,
          backoff: { type: 'fixed', baseMs: 20, jitter: 'none' },
        },
        retryPollMs: 20,
      },
    );
    await lastValueFrom(client.emit(stream, { n: 1 }));
    const scores = new Set<string>();
    await waitFor(async () => {
      const members = await redis.zrange(schedule, '0', '-1', 'WITHSCORES');
      for (let i = 1; i < members.length; i += 2) {
        scores.add(members[i]);
      }
      // Done once the second delivery acked it, or (the old code) once the schedule parked it for ever.
      const parked = [...scores].some((score) => !Number.isFinite(Number(score)));
      return parked || (deliveries >= 2 && ((await redis.xpending(stream, 'g')) as [number])[0] === 0);
    }, 'the event to be delivered again and acknowledged');

    expect(refusal?.message).toMatch(/ctx\.retry: delayMs must be an integer from 0 to 604800000 \(7 days\)/);
    expect([...scores].filter((score) => !Number.isFinite(Number(score)))).toEqual([]);
    expect(deliveries).toBe(2);
    expect(await redis.zcard(schedule)).toBe(0);
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0);
    expect(consumer.server.getStats()).toMatchObject({ failed: 1, retried: 1, acked: 1, deadLettered: 0 });
  });
});
