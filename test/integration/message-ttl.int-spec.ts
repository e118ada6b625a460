import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  ExpiredEntry,
  InvalidEventError,
  RedisStreamsRecord,
  StreamKeys,
  StreamRoute,
} from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { parseExposition, valueOf } from '../support/prometheus';
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

describe('message TTL (real Redis)', () => {
  const { redis, consumers, track } = useStreamFixture();
  const clients: ClientRedisStreams[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  function clientFor(routes: StreamRoute[] = []): ClientRedisStreams {
    const client = new ClientRedisStreams({ routes });
    clients.push(client);
    return client;
  }

  /** Emits `n` with a TTL (or none) and returns the entry's `expires_at` as ms (NaN without one). */
  async function emitWithTtl(
    client: ClientRedisStreams,
    stream: string,
    n: number,
    ttlMs?: number,
  ): Promise<number> {
    const id = await lastValueFrom(
      client.emit<string>(stream, new RedisStreamsRecord({ n }, ttlMs === undefined ? {} : { ttlMs })),
    );
    const [[, raw]] = await redis.xrange(stream, id, id);
    const fields = fieldsOf(raw);
    const headers = fields.headers ? (JSON.parse(fields.headers) as Record<string, string>) : {};
    if (ttlMs !== undefined) {
      expect(Date.parse(headers.expires_at) - Date.parse(fields.timestamp)).toBe(ttlMs);
    }
    return Date.parse(headers.expires_at);
  }

  /** Six events written before any consumer reads: three expire in 50 ms, two have no TTL, one has a minute. */
  async function writeMixed(client: ClientRedisStreams, stream: string): Promise<void> {
    const expiries: number[] = [];
    for (const [n, ttlMs] of [
      [0, 50],
      [1, undefined],
      [2, 50],
      [3, 60_000],
      [4, undefined],
      [5, 50],
    ] as const) {
      expiries.push(await emitWithTtl(client, stream, n, ttlMs));
    }
    const soonest = Math.max(...expiries.filter((at) => at < Date.now() + 10_000));
    await waitFor(() => Date.now() > soonest, 'the short TTLs to pass', 5000);
  }

  it('an entry delivered after its expiry is not handled but acknowledged and counted; unexpired ones and ones without a TTL are handled', async () => {
    const stream = uniqueName('ttl-ack');
    track(stream, ['g']);
    const client = clientFor();
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    await writeMixed(client, stream);
    const handled: number[] = [];
    const consumer = await startConsumer(
      [eventController(stream, (data) => void handled.push((data as { n: number }).n))],
      { group: 'g' },
    );
    consumers.push(consumer);
    const registry = new Registry();
    new RedisStreamsMetrics({ registry }).observeServer(consumer.server);
    const expired: ExpiredEntry[] = [];
    consumer.server.on('expired', (entry) => expired.push(entry));

    await waitFor(() => consumer.server.getStats().expired === 3, 'three entries expired');
    await waitFor(() => handled.length === 3, 'three entries handled');
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    // The negative control is in the same run: entries without a TTL, or not yet expired, are handled.
    expect(handled.sort()).toEqual([1, 3, 4]);
    expect(consumer.server.getStats()).toMatchObject({ expired: 3, handled: 3, deadLettered: 0, acked: 6 });
    expect(expired.map(({ action, pattern }) => [action, pattern])).toEqual(Array(3).fill(['ack', stream]));
    expect(expired.every((entry) => Date.parse(entry.expiresAt) < Date.now())).toBe(true);
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
    const samples = parseExposition(await registry.metrics());
    expect(valueOf(samples, 'redis_streams_expired_total', { stream, group: 'g', pattern: stream })).toBe(3);
  });

  it("onExpired: 'dead-letter' moves expired entries to the dead-letter stream with reason expired", async () => {
    const stream = uniqueName('ttl-dlq');
    track(stream, ['g']);
    const routes: StreamRoute[] = [{ stream, patterns: [stream], onExpired: 'dead-letter' }];
    const client = clientFor(routes);
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    await writeMixed(client, stream);
    const handled: number[] = [];
    const consumer = await startConsumer(
      [eventController(stream, (data) => void handled.push((data as { n: number }).n))],
      { group: 'g', routes },
    );
    consumers.push(consumer);
    const dlq = StreamKeys.deadLetter(stream);
    await waitFor(async () => (await redis.xlen(dlq)) === 3, 'three entries dead-lettered');
    await waitFor(() => handled.length === 3, 'three entries handled');
    expect(handled.sort()).toEqual([1, 3, 4]);
    const records = (await redis.xrange(dlq, '-', '+')).map(([, raw]) => fieldsOf(raw));
    expect(records.map((record) => (JSON.parse(record.data) as { n: number }).n).sort()).toEqual([0, 2, 5]);
    for (const record of records) {
      expect(record).toMatchObject({
        dlq_reason: 'expired',
        dlq_error_class: 'EventExpired',
        dlq_group: 'g',
        dlq_pattern: stream,
        dlq_attempts: '1',
      });
      expect(record.dlq_error_message).toMatch(/^expired at \S+Z, delivered \d+ ms later \(delivery 1\)$/);
      expect(JSON.parse(record.headers)).toHaveProperty('expires_at');
    }
    expect(consumer.server.getStats()).toMatchObject({ expired: 3, deadLettered: 3, handled: 3 });
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
  });

  it('an entry that expires while it waits for a retry is not handled again when the retry comes', async () => {
    const stream = uniqueName('ttl-retry');
    track(stream, ['g']);
    const routes: StreamRoute[] = [{ stream, patterns: [stream], ttlMs: 300 }];
    const client = clientFor(routes);
    const calls: number[] = [];
    const consumer = await startConsumer(
      [
        eventController(stream, (data) => {
          const { n } = data as { n: number };
          calls.push(n);
          if (n === 0) {
            throw new Error('fails once; its retry comes after its expiry');
          }
        }),
      ],
      {
        group: 'g',
        routes,
        retryPollMs: 10,
        delivery: { maxDeliveries: 5, backoff: { type: 'fixed', baseMs: 600, jitter: 'none' } },
      },
    );
    consumers.push(consumer);
    // The route's ttlMs applies to every emit on it; a record's own ttlMs wins (here: longer than the retry wait).
    await lastValueFrom(client.emit(stream, { n: 0 }));
    await lastValueFrom(client.emit(stream, new RedisStreamsRecord({ n: 1 }, { ttlMs: 60_000 })));
    await lastValueFrom(client.emit(stream, new RedisStreamsRecord({ n: 2 }, { ttlMs: 60_000 })));
    await waitFor(() => consumer.server.getStats().expired === 1, 'the retried entry expired', 5000);
    expect(calls.sort()).toEqual([0, 1, 2]); // n=0 was called once: its retry was not handled
    expect(consumer.server.getStats()).toMatchObject({ failed: 1, retried: 1, expired: 1, handled: 2 });
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
    await waitFor(
      async () => ((await redis.xpending(StreamKeys.retryLane(stream, 'g'), 'g')) as [number])[0] === 0,
      'the lane entry acknowledged',
    );
  });

  it('an entry deferred by an open circuit that expires meanwhile is acknowledged as expired when it comes back', async () => {
    const stream = uniqueName('ttl-circuit');
    track(stream, ['g']);
    const client = clientFor();
    const state = { up: false, calls: [] as number[] };
    const consumer = await startConsumer(
      [
        eventController(stream, (data) => {
          state.calls.push((data as { n: number }).n);
          if (!state.up) {
            throw new Error('downstream unavailable');
          }
        }),
      ],
      {
        group: 'g',
        retryPollMs: 10,
        concurrency: 1,
        delivery: {
          backoff: { type: 'fixed', baseMs: 20, jitter: 'none' },
          circuitBreaker: { consecutiveFailures: 1, openMs: 800 },
        },
      },
    );
    consumers.push(consumer);
    await lastValueFrom(client.emit(stream, { n: 0 })); // trips the circuit
    await waitFor(() => consumer.server.getStats().circuitsOpened === 1, 'the circuit open');
    await lastValueFrom(client.emit(stream, new RedisStreamsRecord({ n: 1 }, { ttlMs: 200 })));
    await waitFor(() => consumer.server.getStats().deferred >= 2, 'both deferred');
    state.up = true;
    await waitFor(() => consumer.server.getStats().expired === 1, 'the deferred entry expired', 5000);
    await waitFor(
      () => consumer.server.getStats().handled === 1,
      'the first event handled by the probe',
      5000,
    );
    expect(state.calls).toEqual([0, 0]);
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
  });

  it('the client refuses a TTL where it cannot travel (flat route), writing nothing', async () => {
    const stream = uniqueName('ttl-flat');
    track(stream, ['g']);
    const client = clientFor([{ stream, patterns: [stream], codec: 'flat' }]);
    await expect(
      lastValueFrom(client.emit(stream, new RedisStreamsRecord({ a: 1 }, { ttlMs: 1000 }))),
    ).rejects.toThrow(InvalidEventError);
    await expect(
      lastValueFrom(client.emit(stream, new RedisStreamsRecord({ a: 1 }, { ttlMs: 1000 }))),
    ).rejects.toThrow(/written flat \(no headers\): a ttlMs has no place there/);
    expect(await redis.exists(stream)).toBe(0);
  });
});
