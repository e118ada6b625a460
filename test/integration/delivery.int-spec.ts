import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsContext, RedisStreamsRecord } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

describe('delivery', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  const cleanup: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) {
      await step();
    }
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  it('an emitted event reaches its handler within 500 ms, with payload, entry id and delivery count in @Ctx()', async () => {
    const pattern = uniqueName('delivery');
    const seen: Array<{ data: unknown; ctx: RedisStreamsContext; at: number }> = [];
    const consumer = await startConsumer(
      [eventController(pattern, (data, ctx) => void seen.push({ data, ctx, at: Date.now() }))],
      { group: 'svc-a' },
    );
    cleanup.push(
      () => consumer.close(),
      () => redis.del(pattern),
    );

    const payload = { orderId: 42, items: ['a', 'b'], nested: { ok: true } };
    const sentAt = Date.now();
    const id = await lastValueFrom(
      client.emit<string>(
        pattern,
        new RedisStreamsRecord(payload, { eventId: 'evt-1', headers: { 'x-correlation-id': 'c-1' } }),
      ),
    );
    await waitFor(() => seen.length === 1, 'the handler to run', 2000, 5);

    const [{ data, ctx, at }] = seen;
    expect(at - sentAt).toBeLessThan(500);
    expect(data).toEqual(payload);
    expect(id).toMatch(/^\d+-\d+$/);
    expect(ctx).toBeInstanceOf(RedisStreamsContext);
    expect(ctx.getEntryId()).toBe(id);
    expect(ctx.getStream()).toBe(pattern);
    expect(ctx.getGroup()).toBe('svc-a');
    expect(ctx.getConsumer()).toBe(consumer.server.options.consumer);
    expect(ctx.getDeliveryCount()).toBe(1);
    expect(ctx.getEventId()).toBe('evt-1');
    expect(ctx.getHeaders()).toEqual({ 'x-correlation-id': 'c-1' });
    expect(ctx.getPattern()).toBe(pattern);
    expect(new Date(ctx.getTimestamp() as string).getTime()).toBeGreaterThan(sentAt - 1000);

    await waitFor(async () => ((await redis.xpending(pattern, 'svc-a')) as [number])[0] === 0, 'the ack');
    expect(consumer.server.getStats()).toMatchObject({ handled: 1, acked: 1, failed: 0 });
  });
});
