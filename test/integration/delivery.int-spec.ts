import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsContext, RedisStreamsRecord, StreamKeys } from '@app/redis-streams';
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
    // Steps run in reverse: close the consumer first (a live one would recreate a deleted stream), then delete.
    cleanup.push(
      () => redis.del(pattern),
      () => consumer.close(),
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

  it("Nest's processing hooks wrap every handler call; a failure inside them still fails the delivery", async () => {
    const pattern = uniqueName('hooks');
    const steps: string[] = [];
    const consumer = await startConsumer(
      [
        eventController(pattern, (data) => {
          const { n } = data as { n: number };
          steps.push(`handle ${n}`);
          if (n === 2) {
            throw new Error('boom');
          }
        }),
      ],
      { group: 'svc-hooks', delivery: { maxDeliveries: 1 } },
    );
    cleanup.push(
      () => redis.del(pattern, StreamKeys.deadLetter(pattern), StreamKeys.deadLetterLog(pattern)),
      () => consumer.close(),
    );
    consumer.server.setOnProcessingStartHook((transportId, context, done) => {
      steps.push(`start ${String(transportId === consumer.server.transportId)}`);
      expect(context).toBeInstanceOf(RedisStreamsContext);
      void done();
    });
    consumer.server.setOnProcessingEndHook(() => steps.push('end'));

    await lastValueFrom(client.emit(pattern, { n: 1 }));
    await waitFor(() => consumer.server.getStats().acked === 1, 'the first event acknowledged');
    await lastValueFrom(client.emit(pattern, { n: 2 }));
    await waitFor(() => consumer.server.getStats().deadLettered === 1, 'the failing event dead-lettered');

    expect(steps).toEqual(['start true', 'handle 1', 'end', 'start true', 'handle 2', 'end']);
    expect(consumer.server.getStats()).toMatchObject({ handled: 1, failed: 1, acked: 1 });
  });

  it('exposes status, events and the underlying connections', async () => {
    const pattern = uniqueName('surface');
    const consumer = await startConsumer(
      [
        eventController(pattern, (data) => {
          if ((data as { fail?: boolean }).fail) {
            throw new Error('nope');
          }
        }),
      ],
      { group: 'svc-b' },
    );
    cleanup.push(() => redis.del(pattern));
    const statuses: string[] = [];
    const subscription = consumer.server.status.subscribe((status) => statuses.push(status));
    const failures: string[] = [];
    consumer.server.on('handler-failed', (failure) => failures.push(failure.id));

    const [commands, blocking] = consumer.server.unwrap<[Redis, Redis]>();
    expect(await commands.ping()).toBe('PONG');
    expect(blocking).not.toBe(commands);
    expect(consumer.server.streams).toEqual([pattern]);

    const id = await lastValueFrom(client.emit<string>(pattern, { fail: true }));
    await waitFor(() => failures.length === 1, 'the failure event');
    expect(failures).toEqual([id]);

    await consumer.close();
    subscription.unsubscribe();
    expect(statuses[0]).toBe('connected');
    expect(statuses[statuses.length - 1]).toBe('disconnected');
    await waitFor(() => blocking.status === 'end' && commands.status === 'end', 'connections closed', 2000);
  });
});
