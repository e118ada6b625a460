import { Controller, UsePipes, ValidationPipe } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { IsEmail, IsInt, Min } from 'class-validator';
import {
  RedisStreamsContext,
  StreamKeys,
  UnrecoverableEventError,
  deliveryPolicy,
  redisStreamsValidationExceptionFactory,
} from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

/** Field map of an entry. */
function fieldsOf(raw: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    fields[raw[i]] = raw[i + 1];
  }
  return fields;
}

describe('retries and dead letters', () => {
  const { redis, consumers, track, emit } = useStreamFixture();

  it('poison: delivered exactly maxDeliveries times with growing gaps, then dead-lettered once with the envelope; others are not held up', async () => {
    const stream = uniqueName('poison');
    track(stream, ['g']);
    const seen = new Map<number, number[]>();
    const counts = new Map<number, number[]>();
    consumers.push(
      await startConsumer(
        [
          eventController(stream, (data, ctx) => {
            const { n, poison } = data as { n: number; poison: boolean };
            seen.set(n, [...(seen.get(n) ?? []), Date.now()]);
            counts.set(n, [...(counts.get(n) ?? []), ctx.getDeliveryCount()]);
            if (poison) {
              throw new TypeError(`cannot handle ${n}`);
            }
          }),
        ],
        {
          group: 'g',
          retryPollMs: 10,
          delivery: {
            maxDeliveries: 4,
            backoff: { type: 'exponential', baseMs: 100, factor: 2, maxMs: 10_000, jitter: 'none' },
          },
        },
      ),
    );
    const poisonIds = [
      await emit(stream, { n: 0, poison: true }),
      await emit(stream, { n: 1, poison: true }),
    ];
    // One pipelined burst: the check below needs all of them read before the first retry is due (100 ms).
    await Promise.all(Array.from({ length: 20 }, (_, i) => emit(stream, { n: i + 2, poison: false })));
    const dlq = StreamKeys.deadLetter(stream);
    await waitFor(async () => (await redis.xlen(dlq)) === 2, 'both poison events dead-lettered', 15_000);

    for (const n of [0, 1]) {
      const times = seen.get(n) ?? [];
      expect(times).toHaveLength(4);
      expect(counts.get(n)).toEqual([1, 2, 3, 4]);
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      // Backoff 100, 200, 400 ms (Redis clock; small timer slack below, promotion polling above).
      [100, 200, 400].forEach((expected, i) => {
        expect(gaps[i]).toBeGreaterThanOrEqual(expected - 15);
        expect(gaps[i]).toBeLessThan(expected + 500);
      });
    }
    // Every other event was handled once, before the first retry of the poison ones was even due.
    const firstRetry = Math.min(...[0, 1].map((n) => (seen.get(n) ?? [])[1]));
    for (let n = 2; n < 22; n++) {
      expect(seen.get(n)).toHaveLength(1);
      expect((seen.get(n) ?? [])[0]).toBeLessThan(firstRetry);
    }

    const records = (await redis.xrange(dlq, '-', '+')).map(([, raw]) => fieldsOf(raw));
    expect(records.map((r) => r.dlq_original_id).sort()).toEqual([...poisonIds].sort());
    const [record] = records;
    expect(record).toMatchObject({
      type: stream,
      dlq_stream: stream,
      dlq_group: 'g',
      dlq_consumer: consumers[0].server.options.consumer,
      dlq_pattern: stream,
      dlq_attempts: '4',
      dlq_reason: 'max-deliveries',
      dlq_error_class: 'TypeError',
    });
    expect(JSON.parse(record.data)).toMatchObject({ poison: true });
    expect(record.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(record.dlq_error_message).toMatch(/^cannot handle [01]$/);
    expect(record.dlq_error_stack).toContain('TypeError: cannot handle');
    expect(Date.parse(record.dlq_last_failure) - Date.parse(record.dlq_first_failure)).toBeGreaterThanOrEqual(
      600,
    );
    expect(Object.keys(record).filter((name) => name.startsWith('retry_'))).toEqual([]);
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    expect(await redis.xlen(StreamKeys.retryLane(stream, 'g'))).toBe(0);
  });

  it('full jitter keeps every wait between 0 and the computed backoff', async () => {
    const stream = uniqueName('jitter');
    track(stream, ['g']);
    const times: number[] = [];
    consumers.push(
      await startConsumer(
        [
          eventController(stream, () => {
            times.push(Date.now());
            throw new Error('again');
          }),
        ],
        {
          group: 'g',
          retryPollMs: 10,
          delivery: { maxDeliveries: 5, backoff: { baseMs: 80, factor: 2, maxMs: 10_000, jitter: 'full' } },
        },
      ),
    );
    await emit(stream, { n: 1 });
    await waitFor(
      async () => (await redis.xlen(StreamKeys.deadLetter(stream))) === 1,
      'dead-lettered',
      15_000,
    );
    expect(times).toHaveLength(5);
    times.slice(1).forEach((t, i) => expect(t - times[i]).toBeLessThan(80 * 2 ** i + 500));
  });

  it('transient: fails its first k deliveries, then succeeds: handled, k+1 deliveries, nothing dead-lettered', async () => {
    const stream = uniqueName('transient');
    track(stream, ['g']);
    const deliveries: number[] = [];
    consumers.push(
      await startConsumer(
        [
          eventController(stream, (_data, ctx) => {
            deliveries.push(ctx.getDeliveryCount());
            if (deliveries.length <= 2) {
              return Promise.reject(new Error('flaky downstream'));
            }
            return undefined;
          }),
        ],
        {
          group: 'g',
          retryPollMs: 10,
          delivery: { maxDeliveries: 5, backoff: { baseMs: 20, jitter: 'none' } },
        },
      ),
    );
    const id = await emit(stream, { n: 1 });
    await waitFor(() => consumers[0].server.getStats().handled === 1, 'handled after two failures', 10_000);
    expect(deliveries).toEqual([1, 2, 3]);
    expect(consumers[0].server.getStats()).toMatchObject({ failed: 2, retried: 2, deadLettered: 0 });
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
    await waitFor(
      async () => ((await redis.xpending(StreamKeys.retryLane(stream, 'g'), 'g')) as [number])[0] === 0,
      'the lane entry acked',
    );
    expect(await redis.xlen(StreamKeys.retryLane(stream, 'g'))).toBe(0);
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    expect(id).toMatch(/^\d+-\d+$/);
  });

  it("two groups on one stream: A's failures are retried in A's lane only; B handles every event exactly once", async () => {
    const stream = uniqueName('two-groups');
    track(stream, ['a', 'b']);
    const a = new Map<number, number>();
    const b = new Map<number, number>();
    const count = (map: Map<number, number>, data: unknown): void => {
      const { n } = data as { n: number };
      map.set(n, (map.get(n) ?? 0) + 1);
    };
    consumers.push(
      await startConsumer(
        [
          eventController(stream, (data) => {
            count(a, data);
            if ((a.get((data as { n: number }).n) ?? 0) < 3) {
              throw new Error('A is unhappy');
            }
          }),
        ],
        { group: 'a', retryPollMs: 10, delivery: { backoff: { baseMs: 10, jitter: 'none' } } },
      ),
      await startConsumer([eventController(stream, (data) => count(b, data))], {
        group: 'b',
        retryPollMs: 10,
      }),
    );
    for (let n = 0; n < 10; n++) {
      await emit(stream, { n });
    }
    await waitFor(() => consumers[0].server.getStats().handled === 10, 'A handled all after retries', 10_000);
    await waitFor(() => b.size === 10, 'B handled all');
    expect([...b.values()]).toEqual(Array.from({ length: 10 }, () => 1));
    expect([...a.values()]).toEqual(Array.from({ length: 10 }, () => 3));
    expect(consumers[1].server.getStats()).toMatchObject({ received: 10, handled: 10, failed: 0 });
    expect(await redis.xlen(stream)).toBe(10); // retries never re-added to the shared stream
  });

  it('UnrecoverableEventError and DTO validation failures are dead-lettered on the first delivery (constraint names, no values)', async () => {
    const stream = uniqueName('permanent');
    const validated = `${stream}.signup`;
    track(stream, ['g']);
    track(validated, ['g']);

    class SignupDto {
      @IsEmail()
      email!: string;

      @IsInt()
      @Min(18)
      age!: number;
    }

    @Controller()
    class PermanentController {
      @EventPattern(stream, deliveryPolicy({ maxDeliveries: 5 }))
      unrecoverable(@Payload() data: { id: string }): void {
        throw new UnrecoverableEventError(`customer ${data.id} does not exist`);
      }

      @EventPattern(validated)
      @UsePipes(new ValidationPipe({ exceptionFactory: redisStreamsValidationExceptionFactory }))
      signup(@Payload() _dto: SignupDto, @Ctx() _ctx: RedisStreamsContext): void {}
    }

    consumers.push(await startConsumer([PermanentController], { group: 'g' }));
    await emit(stream, { id: 'c-42' });
    await emit(validated, { email: 'secret-value@@nope', age: 12 });
    await emit(validated, 42); // a JSON scalar where the DTO wants an object
    await emit(validated, [1, 2]); // an array
    await waitFor(() => consumers[0].server.getStats().deadLettered === 4, 'all four dead-lettered', 10_000);

    const [unrecoverable] = (await redis.xrange(StreamKeys.deadLetter(stream), '-', '+')).map(([, raw]) =>
      fieldsOf(raw),
    );
    expect(unrecoverable).toMatchObject({
      dlq_reason: 'unrecoverable',
      dlq_attempts: '1',
      dlq_error_class: 'UnrecoverableEventError',
      dlq_error_message: 'customer c-42 does not exist',
    });
    const [invalid, scalar, array] = (await redis.xrange(StreamKeys.deadLetter(validated), '-', '+')).map(
      ([, raw]) => fieldsOf(raw),
    );
    expect([scalar.dlq_reason, array.dlq_reason]).toEqual(['validation', 'validation']);
    expect(invalid).toMatchObject({
      dlq_reason: 'validation',
      dlq_attempts: '1',
      dlq_constraints: 'email.isEmail,age.min',
    });
    const envelope = Object.entries(invalid)
      .filter(([name]) => name.startsWith('dlq_'))
      .map(([, value]) => value)
      .join(' ');
    expect(envelope).not.toContain('secret-value');
    expect(consumers[0].server.getStats()).toMatchObject({ failed: 4, retried: 0 });
  });
});
