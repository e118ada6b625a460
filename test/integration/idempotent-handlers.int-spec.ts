import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Registry } from 'prom-client';
import {
  DuplicateSkippedEntry,
  Idempotent,
  RedisStreamsContext,
  RedisStreamsRecord,
  StreamKeys,
  deliveryPolicy,
} from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import { lastValueFrom } from 'rxjs';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { parseExposition, valueOf } from '../support/prometheus';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

/** Consumer-side idempotency: `@Idempotent`, `ctx.getEffects()` and commit-idempotent.lua, against real Redis. */
describe('idempotent handlers', () => {
  const { redis, client, consumers, track } = useStreamFixture();

  /** A stream whose keys (derived ones and every marker or effect key in its slot) are deleted after the test. */
  function newStream(label: string): string {
    const stream = uniqueName(label);
    track(stream, ['g']);
    afterCleanup.push(stream);
    return stream;
  }
  const afterCleanup: string[] = [];
  afterEach(async () => {
    for (const stream of afterCleanup.splice(0)) {
      const inSlot = await redis.keys(`${StreamKeys.base(stream)}:*`);
      if (inSlot.length > 0) {
        await redis.del(...inSlot);
      }
    }
  });

  /** An effect key in `stream`'s slot (what a real handler would use on Redis Cluster). */
  const effectKey = (stream: string, name: string): string => `${StreamKeys.base(stream)}:count:${name}`;

  async function start(controllers: Parameters<typeof startConsumer>[0], extra = {}): Promise<TestConsumer> {
    const consumer = await startConsumer(controllers, {
      group: 'g',
      startId: '0',
      retryPollMs: 10,
      delivery: { backoff: { type: 'fixed', baseMs: 20, jitter: 'none' } },
      ...extra,
    });
    consumers.push(consumer);
    return consumer;
  }

  const pending = async (key: string): Promise<number> => ((await redis.xpending(key, 'g')) as [number])[0];

  /** XADDs an envelope entry of `stream` with the given event id, as another producer (or a re-send) would. */
  const xaddEnvelope = (stream: string, eventId: string, data: unknown): Promise<string | null> =>
    redis.xadd(stream, '*', 'type', stream, 'data', JSON.stringify(data), 'event_id', eventId);

  it('a producer duplicate (same event_id) is acknowledged without running; the effect is applied once', async () => {
    const stream = newStream('idem-dup');
    const runs: string[] = [];

    @Controller()
    class Orders {
      @Idempotent({ ttlMs: 3_600_000 })
      @EventPattern(stream)
      handle(@Payload() data: { n: number }, @Ctx() ctx: RedisStreamsContext): void {
        runs.push(`${ctx.getEventId()}#${data.n}`);
        ctx.getEffects().call('INCR', effectKey(stream, ctx.getEventId() as string));
      }
    }

    const consumer = await start([Orders]);
    const registry = new Registry();
    new RedisStreamsMetrics({ registry }).observeServer(consumer.server);
    const skipped: DuplicateSkippedEntry[] = [];
    consumer.server.on('duplicate-skipped', (entry) => skipped.push(entry));

    const first = await lastValueFrom(
      client.emit<string>(stream, new RedisStreamsRecord({ n: 1 }, { eventId: 'order-7' })),
    );
    await waitFor(() => consumer.server.getStats().acked === 1, 'the first delivery committed');
    const second = (await xaddEnvelope(stream, 'order-7', { n: 2 })) as string;
    await waitFor(() => consumer.server.getStats().duplicatesSkipped === 1, 'the duplicate skipped');
    await waitFor(async () => (await pending(stream)) === 0, 'both acknowledged');

    expect(runs).toEqual(['order-7#1']);
    expect(await redis.get(effectKey(stream, 'order-7'))).toBe('1');
    expect(skipped).toEqual([
      { stream, id: second, pattern: stream, eventId: 'order-7', stage: 'before-handler' },
    ]);
    expect(consumer.server.getStats()).toMatchObject({ handled: 1, acked: 2, duplicatesSkipped: 1 });
    const marker = StreamKeys.handledMarker(stream, 'g', stream, 'order-7', first);
    expect(await redis.get(marker)).toBe(first);
    expect(await redis.pttl(marker)).toBeGreaterThan(3_500_000);
    const samples = parseExposition(await registry.metrics());
    expect(
      valueOf(samples, 'redis_streams_duplicates_skipped_total', { stream, group: 'g', pattern: stream }),
    ).toBe(1);
  });

  it('two deliveries of one event that both ran: one commit applies the effects, the other is acked without them', async () => {
    const idempotent = newStream('idem-race');
    const plain = newStream('idem-race-plain');
    const started = new Map<string, number>();
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    const arrive = async (stream: string): Promise<void> => {
      started.set(stream, (started.get(stream) ?? 0) + 1);
      if ([...started.values()].reduce((a, b) => a + b, 0) === 4) {
        release();
      }
      await bothStarted; // every delivery is running before any settles
    };

    @Controller()
    class Racing {
      @EventPattern(idempotent, deliveryPolicy({ idempotent: true }))
      async exactlyOnce(@Ctx() ctx: RedisStreamsContext): Promise<void> {
        await arrive(idempotent);
        ctx.getEffects().call('INCR', effectKey(idempotent, 'e'));
      }

      @EventPattern(plain)
      async atLeastOnce(@Payload() _data: unknown): Promise<void> {
        await arrive(plain);
        await redis.incr(effectKey(plain, 'e')); // negative control: the effect done in the handler itself
      }
    }

    for (const stream of [idempotent, plain]) {
      await xaddEnvelope(stream, 'e', { copy: 1 });
      await xaddEnvelope(stream, 'e', { copy: 2 });
    }
    const consumer = await start([Racing], { concurrency: 8 });
    const skipped: DuplicateSkippedEntry[] = [];
    consumer.server.on('duplicate-skipped', (entry) => skipped.push(entry));
    await waitFor(async () => (await pending(idempotent)) + (await pending(plain)) === 0, 'all acknowledged');
    await waitFor(() => consumer.server.getStats().acked === 4, 'four acks');

    expect(started).toEqual(
      new Map([
        [idempotent, 2],
        [plain, 2],
      ]),
    );
    expect(await redis.get(effectKey(idempotent, 'e'))).toBe('1');
    expect(await redis.get(effectKey(plain, 'e'))).toBe('2');
    expect(skipped.map(({ stream, stage }) => [stream, stage])).toEqual([[idempotent, 'at-commit']]);
    expect(consumer.server.getStats()).toMatchObject({ handled: 4, duplicatesSkipped: 1 });
  });

  it('failures are retried as before: a failed delivery queues nothing, its retry commits from the lane', async () => {
    const stream = newStream('idem-retry');
    const deliveries: number[] = [];

    @Controller()
    class Flaky {
      @EventPattern(stream)
      @Idempotent()
      handle(@Ctx() ctx: RedisStreamsContext): void {
        deliveries.push(ctx.getDeliveryCount());
        ctx.getEffects().call('INCR', effectKey(stream, 'n'));
        if (ctx.getDeliveryCount() === 1) {
          throw new Error('first delivery fails after queuing its effect');
        }
      }
    }

    const consumer = await start([Flaky]);
    const id = await lastValueFrom(
      client.emit<string>(stream, new RedisStreamsRecord({}, { eventId: 'r-1' })),
    );
    await waitFor(() => consumer.server.getStats().acked === 1, 'the retry committed');
    const lane = StreamKeys.retryLane(stream, 'g');
    await waitFor(async () => (await redis.xlen(lane)) === 0, 'the lane entry deleted');

    expect(deliveries).toEqual([1, 2]);
    expect(await redis.get(effectKey(stream, 'n'))).toBe('1');
    expect(consumer.server.getStats()).toMatchObject({
      failed: 1,
      retried: 1,
      handled: 1,
      duplicatesSkipped: 0,
    });
    expect(await pending(stream)).toBe(0);
    expect(await pending(lane)).toBe(0);
    expect(await redis.get(StreamKeys.handledMarker(stream, 'g', stream, 'r-1', id))).toBe(id);
  });

  it('an effect Redis refuses dead-letters the entry (effect-failed): no marker, effects before it stay', async () => {
    const stream = newStream('idem-refused');
    const wrongType = effectKey(stream, 'a-string');
    await redis.set(wrongType, 'not a hash');

    const consumer = await start(
      [
        eventController(stream, (_data, ctx) => {
          ctx.getEffects().call('INCR', effectKey(stream, 'before')).call('HSET', wrongType, 'f', 'v');
        }),
      ],
      {
        delivery: { idempotent: true },
      },
    );
    const id = await lastValueFrom(
      client.emit<string>(stream, new RedisStreamsRecord({}, { eventId: 'bad' })),
    );
    await waitFor(() => consumer.server.getStats().deadLettered === 1, 'dead-lettered');

    const [[, fields]] = await redis.xrange(StreamKeys.deadLetter(stream), '-', '+');
    const field = (name: string): string => fields[fields.indexOf(name) + 1];
    expect(field('dlq_reason')).toBe('effect-failed');
    expect(field('dlq_error_class')).toBe('EffectRefusedError');
    expect(field('dlq_error_message')).toMatch(/^effect 2 of 2 \(HSET\) refused: WRONGTYPE/);
    expect(field('dlq_original_id')).toBe(id);
    expect(await redis.get(effectKey(stream, 'before'))).toBe('1'); // Redis does not roll a script back
    expect(await redis.exists(StreamKeys.handledMarker(stream, 'g', stream, 'bad', id))).toBe(0);
    expect(await pending(stream)).toBe(0);
  });

  it('manual ack commits; entries without an event_id (flat) are deduplicated by entry id only', async () => {
    const stream = newStream('idem-flat');
    const seen: string[] = [];
    const late: string[] = [];

    @Controller()
    class Flat {
      @EventPattern(stream, deliveryPolicy({ autoAck: false }))
      @Idempotent()
      async handle(@Payload() data: { sku: string }, @Ctx() ctx: RedisStreamsContext): Promise<void> {
        seen.push(ctx.getEntryId());
        ctx.getEffects().call('INCR', effectKey(stream, data.sku));
        await ctx.ack();
        try {
          ctx.getEffects().call('INCR', effectKey(stream, 'late'));
        } catch (error) {
          late.push((error as Error).message);
        }
      }
    }

    const consumer = await start([Flat], { routes: [{ stream, patterns: [stream], codec: 'flat' }] });
    const a = (await redis.xadd(stream, '*', 'sku', 'A')) as string;
    const b = (await redis.xadd(stream, '*', 'sku', 'A')) as string; // same content, no event id: another event
    await waitFor(() => consumer.server.getStats().acked === 2, 'both committed');

    expect(seen).toEqual([a, b]);
    expect(await redis.get(effectKey(stream, 'A'))).toBe('2');
    expect(late).toEqual([
      'effects cannot be queued any more: this delivery was already committed',
      'effects cannot be queued any more: this delivery was already committed',
    ]);
    for (const id of [a, b]) {
      expect(await redis.get(StreamKeys.handledMarker(stream, 'g', stream, undefined, id))).toBe(id);
    }
  });

  it('ctx.getEffects() in a handler that is not idempotent fails it with a clear error', async () => {
    const stream = newStream('idem-not');
    const errors: string[] = [];
    const consumer = await start([
      eventController(stream, (_data, ctx) => {
        try {
          ctx.getEffects();
        } catch (error) {
          errors.push((error as Error).message);
        }
      }),
    ]);
    await lastValueFrom(client.emit(stream, {}));
    await waitFor(() => consumer.server.getStats().acked === 1, 'acknowledged');
    expect(errors).toEqual([
      'ctx.getEffects() is only available in idempotent handlers (@Idempotent() or deliveryPolicy({ idempotent }))',
    ]);
  });

  it('refuses an idempotent handler on an informational route at start', async () => {
    const channel = newStream('idem-info');

    @Controller()
    class Informational {
      @Idempotent()
      @EventPattern(channel)
      handle(): void {}
    }

    await expect(
      startConsumer([Informational], {
        group: 'g',
        routes: [{ stream: channel, patterns: [channel], durable: false }],
      }),
    ).rejects.toThrow(
      `@EventPattern('${channel}') is idempotent, but its route is informational (durable: false): nothing is acknowledged there`,
    );
  });
});
