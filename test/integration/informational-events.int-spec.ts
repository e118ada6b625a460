import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { Registry } from 'prom-client';
import { ClientRedisStreams, RedisStreamsRecord, StreamRoute } from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/**
 * Informational events (seed 002's `agent.completed`, `file.uploaded`): a route with `durable: false` publishes over
 * pub/sub; the same `@EventPattern` handler runs on a subscribed server; nothing is written to a stream, a failure
 * is counted and not retried, stats and metrics count them.
 */
describe('informational events (durable: false) over pub/sub', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const channel = uniqueName('agent.completed');
  const routes: StreamRoute[] = [{ stream: channel, patterns: [channel], durable: false }];
  const seen: Array<{ data: unknown; eventId: string | undefined; stream: string }> = [];
  let consumer: TestConsumer | undefined;
  const client = new ClientRedisStreams({ routes });

  afterAll(async () => {
    await consumer?.close();
    await client.close();
    redis.disconnect();
  });

  it('reach a running subscriber with their event id, are counted, and write no stream, retry or dead letter', async () => {
    expect(await lastValueFrom(client.emit(channel, { agent: 'nobody listening' }))).toBe(0);

    consumer = await startConsumer(
      [
        eventController(channel, (data, ctx) => {
          if ((data as { fail?: boolean }).fail) {
            throw new Error('informational handler failed');
          }
          seen.push({ data, eventId: ctx.getEventId(), stream: ctx.getStream() });
        }),
      ],
      { group: 'g', routes },
    );
    const registry = new Registry();
    const metrics = new RedisStreamsMetrics({ registry });
    metrics.observeServer(consumer.server);

    for (let n = 1; n <= 3; n++) {
      const receivers = await lastValueFrom(
        client.emit(channel, new RedisStreamsRecord({ agent: 'summariser', n }, { eventId: `info-${n}` })),
      );
      expect(receivers).toBe(1);
    }
    await lastValueFrom(client.emit(channel, { fail: true }));
    await waitFor(() => consumer?.server.getStats().informationalFailed === 1, 'the failing one counted');
    await waitFor(() => seen.length === 3, 'three informational events handled');

    expect(seen).toEqual(
      [1, 2, 3].map((n) => ({ data: { agent: 'summariser', n }, eventId: `info-${n}`, stream: channel })),
    );
    expect(consumer.server.getStats()).toMatchObject({
      informationalReceived: 4,
      informationalHandled: 3,
      informationalFailed: 1,
      informationalDropped: 0,
      received: 0,
      retried: 0,
      deadLettered: 0,
    });
    expect(await redis.keys(`*${channel}*`)).toEqual([]);
    const exposition = await registry.metrics();
    expect(exposition).toMatch(/informational_handled_total\{group="g"\} 3/);
    expect(exposition).toMatch(/informational_failed_total\{group="g"\} 1/);
  });

  it('reads a plain JSON object published by another program as a flat event (codec auto)', async () => {
    const other = uniqueName('file.uploaded');
    const got: unknown[] = [];
    const subscriber = await startConsumer([eventController(other, (data) => void got.push(data))], {
      group: 'g',
      routes: [{ stream: other, patterns: [other], durable: false, codec: 'auto' }],
    });
    try {
      await redis.publish(other, JSON.stringify({ file_id: 'f-1', size: 42, tags: ['a'] }));
      await redis.publish(other, 'not json');
      await waitFor(
        () => got.length === 1 && subscriber.server.getStats().informationalFailed === 1,
        'both seen',
      );
      // Flat, as for stream entries: scalars arrive as the strings a Python `str(v)` would write.
      expect(got).toEqual([{ file_id: 'f-1', size: '42', tags: ['a'] }]);
    } finally {
      await subscriber.close();
    }
  });

  it('refuses a dead-letter stream on an informational route', () => {
    expect(
      () =>
        new ClientRedisStreams({
          routes: [{ stream: 'x', patterns: ['x'], durable: false, deadLetterStream: 'x:dead_letter' }],
        }),
    ).toThrow(/no dead letters/);
  });
});
