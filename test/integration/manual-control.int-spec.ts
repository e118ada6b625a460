import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsContext, StreamKeys, deliveryPolicy } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

describe('manual control through the context (autoAck: false)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  let consumer: TestConsumer | undefined;
  const stream = uniqueName('manual');

  afterAll(async () => {
    await consumer?.close();
    await redis.del(stream, StreamKeys.deadLetter(stream), StreamKeys.retryLane(stream, 'g'));
    await redis.del(StreamKeys.retrySchedule(stream, 'g'), StreamKeys.promoterLease(stream, 'g'));
    await client.close();
    redis.disconnect();
  });

  it('ctx.ack(), ctx.retry({ delayMs }) and ctx.deadLetter(reason) settle a delivery; unsettled ones stay pending', async () => {
    const deliveries: Array<[string, number]> = [];

    @Controller()
    class ManualController {
      @EventPattern(stream, deliveryPolicy({ autoAck: false }))
      async handle(@Payload() data: { action: string }, @Ctx() ctx: RedisStreamsContext): Promise<void> {
        deliveries.push([data.action, ctx.getDeliveryCount()]);
        if (data.action === 'ack') {
          await ctx.ack();
        } else if (data.action === 'retry-once') {
          await (ctx.getDeliveryCount() === 1 ? ctx.retry({ delayMs: 50 }) : ctx.ack());
        } else if (data.action === 'dead-letter') {
          await ctx.deadLetter('customer asked to stop');
        } // 'forget': settles nothing
      }
    }

    consumer = await startConsumer([ManualController], { group: 'g', retryPollMs: 10, minIdleMs: 60_000 });
    const forgotten = await lastValueFrom(client.emit<string>(stream, { action: 'forget' }));
    for (const action of ['ack', 'retry-once', 'dead-letter']) {
      await lastValueFrom(client.emit(stream, { action }));
    }
    await waitFor(() => deliveries.length === 5, 'all deliveries (retry-once twice)', 10_000);
    expect(deliveries).toEqual(
      expect.arrayContaining([
        ['forget', 1],
        ['ack', 1],
        ['retry-once', 1],
        ['retry-once', 2],
        ['dead-letter', 1],
      ]),
    );
    await waitFor(() => consumer?.server.getStats().deadLettered === 1, 'dead-lettered');
    const [[, fields]] = await redis.xrange(StreamKeys.deadLetter(stream), '-', '+');
    expect(fields[fields.indexOf('dlq_reason') + 1]).toBe('manual');
    expect(fields[fields.indexOf('dlq_error_message') + 1]).toBe('customer asked to stop');
    // Only the forgotten one is still pending (it would be redelivered after minIdleMs).
    await waitFor(async () => {
      const rows = (await redis.xpending(stream, 'g', '-', '+', 10)) as Array<[string]>;
      return rows.length === 1 && rows[0][0] === forgotten;
    }, 'only the unsettled entry pending');
    expect(consumer.server.getStats()).toMatchObject({ retried: 1, deadLettered: 1 });
  });
});
