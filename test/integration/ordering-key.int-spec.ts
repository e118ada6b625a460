import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { RedisStreamsContext, StreamKeys, StreamRoute, deliveryPolicy } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, startConsumer } from '../support/nest';
import { simulateWork, waitFor } from '../support/wait';

interface Step {
  key: string;
  seq: number;
  failOnce?: boolean;
}

const KEYS = ['k0', 'k1', 'k2', 'k3'];
const STEPS = 15;

/** A handler that records what it finished, in order, and fails the marked steps on their first delivery. */
function orderController(stream: string, handled: Array<Step & { at: number }>, failed: Step[]): object {
  @Controller()
  class OrderController {
    @EventPattern(stream, deliveryPolicy({ backoff: { baseMs: 400, jitter: 'none' } }))
    async on(@Payload() step: Step, @Ctx() ctx: RedisStreamsContext): Promise<void> {
      await simulateWork(Math.floor(Math.random() * 8)); // varied handler times: unordered runs finish out of order
      if (step.failOnce && ctx.getDeliveryCount() === 1) {
        failed.push(step);
        throw new Error('downstream hiccup');
      }
      handled.push({ ...step, at: Date.now() });
    }
  }
  return OrderController;
}

async function run(
  redis: Redis,
  route: StreamRoute,
  group: string,
): Promise<{ handled: Array<Step & { at: number }>; failed: Step[]; consumer: TestConsumer }> {
  const handled: Array<Step & { at: number }> = [];
  const failed: Step[] = [];
  const consumer = await startConsumer([orderController(route.stream, handled, failed) as never], {
    group,
    routes: [route],
    concurrency: 16,
    batchSize: 16,
    consumerLeaseMs: 300,
  });
  for (let seq = 0; seq < STEPS; seq++) {
    for (const key of KEYS) {
      const step: Step = { key, seq, failOnce: key === 'k0' && seq === 3 };
      await redis.xadd(route.stream, '*', 'data', JSON.stringify(step));
    }
  }
  await waitFor(() => handled.length >= KEYS.length * STEPS, 'every step to be handled', 20_000);
  return { handled, failed, consumer };
}

function seqsOf(handled: Step[], key: string): number[] {
  return handled.filter((step) => step.key === key).map((step) => step.seq);
}

describe('route option orderingKey: one at a time per key, in stream order; a failing key parks', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const consumers: TestConsumer[] = [];
  const cleanup: string[] = [];

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.close()));
    await redis.del(...cleanup);
    redis.disconnect();
  });

  it('handles each key in stream order; the failing key waits behind its retry while the others flow', async () => {
    const stream = uniqueName('ordered');
    const group = uniqueName('ordered-group');
    cleanup.push(stream, StreamKeys.deadLetter(stream), StreamKeys.orderingLease(stream, group));
    const { handled, failed, consumer } = await run(
      redis,
      { stream, patterns: [stream], orderingKey: 'key' },
      group,
    );
    consumers.push(consumer);
    for (const key of KEYS) {
      expect(seqsOf(handled, key)).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    }
    expect(failed).toEqual([{ key: 'k0', seq: 3, failOnce: true }]);
    // While k0 waited for its retry (400 ms), the other keys went on: some were handled after k0:2, before k0:3.
    const k0Parked = handled.find((step) => step.key === 'k0' && step.seq === 2)?.at as number;
    const k0Back = handled.find((step) => step.key === 'k0' && step.seq === 3)?.at as number;
    const flowed = handled.filter((step) => step.key !== 'k0' && step.at > k0Parked && step.at < k0Back);
    expect(flowed.length).toBeGreaterThan(0);
  });

  it('negative control: without orderingKey the same run handles k0 out of order', async () => {
    const stream = uniqueName('unordered');
    const group = uniqueName('unordered-group');
    cleanup.push(stream, StreamKeys.deadLetter(stream));
    const { handled, consumer } = await run(redis, { stream, patterns: [stream] }, group);
    consumers.push(consumer);
    const k0 = seqsOf(handled, 'k0');
    expect(k0).not.toEqual([...k0].sort((a, b) => a - b)); // k0:4… ran while k0:3 waited for its retry
  });

  it('one consumer of the group reads an ordered stream; a standby takes over when it stops', async () => {
    const stream = uniqueName('ordered-standby');
    const group = uniqueName('ordered-standby-group');
    cleanup.push(stream, StreamKeys.deadLetter(stream), StreamKeys.orderingLease(stream, group));
    const seen: Array<{ consumer: string; seq: number }> = [];
    @Controller()
    class Recorder {
      @EventPattern(stream)
      on(@Payload() step: Step, @Ctx() ctx: RedisStreamsContext): void {
        seen.push({ consumer: ctx.getConsumer(), seq: step.seq });
      }
    }
    const routes: StreamRoute[] = [{ stream, patterns: [stream], orderingKey: 'key' }];
    const first = await startConsumer([Recorder], { group, routes, consumerLeaseMs: 300, consumer: 'first' });
    await waitFor(
      async () => (await redis.get(StreamKeys.orderingLease(stream, group)))?.startsWith('first:'),
      'first to own the stream',
    );
    const second = await startConsumer([Recorder], {
      group,
      routes,
      consumerLeaseMs: 300,
      consumer: 'second',
    });
    consumers.push(second);
    for (let seq = 0; seq < 20; seq++) {
      await redis.xadd(stream, '*', 'data', JSON.stringify({ key: 'k', seq }));
    }
    await waitFor(() => seen.length >= 20, 'the first 20 steps');
    expect(new Set(seen.map((row) => row.consumer))).toEqual(new Set(['first']));
    await first.app.close(); // (not close(): that also deletes the group's retry lane, which the standby reads)
    for (let seq = 20; seq < 40; seq++) {
      await redis.xadd(stream, '*', 'data', JSON.stringify({ key: 'k', seq }));
    }
    await waitFor(() => seen.length >= 40, 'the next 20 steps, by the standby');
    expect(seen.slice(20).every((row) => row.consumer === 'second')).toBe(true);
    expect(seen.map((row) => row.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
