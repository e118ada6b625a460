import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  EmittedEvent,
  InvalidEventError,
  RedisStreamsRecord,
  StreamKeys,
} from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { RedisProxy } from '../support/redis-proxy';
import { waitFor } from '../support/wait';

/** Producer-side idempotency: `RedisStreamsRecord` option `idempotencyKey` (idempotent-xadd.lua). */
describe('idempotent emits', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const streams: string[] = [];
  const clients: ClientRedisStreams[] = [];
  const proxies: RedisProxy[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
    for (const stream of streams.splice(0)) {
      const markers = await redis.keys(`${StreamKeys.base(stream)}:*`);
      await redis.del(stream, ...markers);
    }
  });
  afterAll(() => redis.disconnect());

  function newStream(label: string): string {
    const stream = uniqueName(label);
    streams.push(stream);
    return stream;
  }

  function newClient(...args: ConstructorParameters<typeof ClientRedisStreams>): ClientRedisStreams {
    const client = new ClientRedisStreams(...args);
    clients.push(client);
    return client;
  }

  const keyed = (data: unknown, idempotencyKey: string, more: object = {}): RedisStreamsRecord =>
    new RedisStreamsRecord(data, { idempotencyKey, ...more });

  /** The `event_id` of each entry of `stream`, by entry id. */
  async function eventIds(stream: string): Promise<Map<string, string>> {
    const entries = await redis.xrange(stream, '-', '+');
    return new Map(entries.map(([id, fields]) => [id, fields[fields.indexOf('event_id') + 1]]));
  }

  it('writes once per key: a repeat resolves with the first id, says duplicate, and the key is the event_id', async () => {
    const stream = newStream('idem-emit');
    const client = newClient();
    const emitted: EmittedEvent[] = [];
    client.on('emitted', (event) => emitted.push(event));
    const first = await lastValueFrom(client.emit<string>(stream, keyed({ n: 1 }, 'order-1')));
    const again = await lastValueFrom(client.emit<string>(stream, keyed({ n: 2 }, 'order-1')));
    const other = await lastValueFrom(client.emit<string>(stream, keyed({ n: 3 }, 'order-2')));
    const own = await lastValueFrom(
      client.emit<string>(stream, keyed({ n: 4 }, 'order-3', { eventId: 'evt-for-consumers' })),
    );
    expect(again).toBe(first);
    expect(await eventIds(stream)).toEqual(
      new Map([
        [first, 'order-1'],
        [other, 'order-2'],
        [own, 'evt-for-consumers'],
      ]),
    );
    // The first payload stays: the key alone decides (payloads are not compared).
    const [[, fields]] = await redis.xrange(stream, first, first);
    expect(JSON.parse(fields[fields.indexOf('data') + 1])).toEqual({ n: 1 });
    expect(emitted.map(({ id, duplicate }) => [id, duplicate])).toEqual([
      [first, false],
      [first, true],
      [other, false],
      [own, false],
    ]);
    // The marker holds the first id for the window (default 24 h).
    const marker = StreamKeys.emitMarker(stream, 'order-1');
    expect(await redis.get(marker)).toBe(first);
    const ttl = await redis.pttl(marker);
    expect(ttl).toBeGreaterThan(24 * 3600_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
  });

  it('the window is per client and per record; after it the key writes a new entry', async () => {
    const stream = newStream('idem-window');
    const client = newClient({ idempotencyWindowMs: 60_000 });
    await lastValueFrom(client.emit(stream, keyed({ n: 1 }, 'a')));
    const ttl = await redis.pttl(StreamKeys.emitMarker(stream, 'a'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const first = await lastValueFrom(
      client.emit<string>(stream, keyed({ n: 1 }, 'b', { idempotencyWindowMs: 200 })),
    );
    await waitFor(
      async () => (await redis.exists(StreamKeys.emitMarker(stream, 'b'))) === 0,
      'the 200 ms window',
    );
    const second = await lastValueFrom(client.emit<string>(stream, keyed({ n: 2 }, 'b')));
    expect(second).not.toBe(first);
    expect(await redis.xlen(stream)).toBe(3);
  });

  it('concurrent emits of one key (one pipeline) write one entry, all resolve with its id', async () => {
    const stream = newStream('idem-concurrent');
    const client = newClient();
    await client.connect();
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, n) => lastValueFrom(client.emit<string>(stream, keyed({ n }, 'same')))),
    );
    expect(new Set(ids).size).toBe(1);
    expect(await redis.xlen(stream)).toBe(1);
  });

  it('refuses a key on flat and informational routes and bad keys or windows, writing nothing', async () => {
    const flat = newStream('idem-flat');
    const channel = newStream('idem-info');
    const plain = newStream('idem-bad');
    const client = newClient({
      routes: [
        { stream: flat, patterns: [flat], codec: 'flat' },
        { stream: channel, patterns: [channel], durable: false },
      ],
    });
    const refused = [
      [flat, keyed({ a: 1 }, 'k'), /written flat: an idempotencyKey needs the envelope/],
      [channel, keyed({ a: 1 }, 'k'), /informational route \(durable: false\)/],
      [plain, keyed({ a: 1 }, ''), /idempotencyKey must be a non-empty string/],
      [plain, keyed({ a: 1 }, 'k', { idempotencyWindowMs: 0 }), /idempotencyWindowMs must be an integer/],
      [plain, new RedisStreamsRecord({ a: 1 }, { idempotencyWindowMs: 10 }), /needs an idempotencyKey/],
    ] as const;
    for (const [pattern, record, message] of refused) {
      const emitting = lastValueFrom(client.emit(pattern, record));
      await expect(emitting).rejects.toThrow(InvalidEventError);
      await expect(lastValueFrom(client.emit(pattern, record))).rejects.toThrow(message);
    }
    expect(await redis.exists(flat, plain)).toBe(0);
    expect(await redis.keys(`${StreamKeys.base(plain)}:*`)).toEqual([]);
    expect(await redis.keys(`${StreamKeys.base(flat)}:*`)).toEqual([]);
  });

  /**
   * Emits `count` events in batches of 10 through a proxy that cuts the connection instead of delivering some of
   * the replies to `command`; ioredis re-sends what was unanswered after reconnecting.
   */
  async function emitThroughLossyNetwork(
    stream: string,
    command: string,
    count: number,
    record: (n: number) => unknown,
  ): Promise<{ ids: string[]; dropped: number; duplicates: number }> {
    const proxy = await RedisProxy.inFrontOfTestRedis();
    proxies.push(proxy);
    const client = newClient({ url: proxy.url, maxRetriesPerRequest: 50 });
    let duplicates = 0;
    client.on('emitted', ({ duplicate }) => (duplicates += duplicate ? 1 : 0));
    await client.connect();
    proxy.dropReplies([{ after: command, probability: 0.3 }]);
    const ids: string[] = [];
    for (let from = 0; from < count; from += 10) {
      const batch = Array.from({ length: 10 }, (_, i) =>
        lastValueFrom(client.emit<string>(stream, record(from + i))),
      );
      ids.push(...(await Promise.all(batch)));
    }
    proxy.dropReplies([]);
    return { ids, dropped: proxy.droppedAfter(command), duplicates };
  }

  it('replies lost with the network: N keyed emits write exactly N entries, each resolved with its own (DESIGN §5.4)', async () => {
    const stream = newStream('idem-lossy');
    const count = 300;
    // ioredis sends the script as EVAL on a fresh connection, EVALSHA after: `eval` matches both.
    const { ids, dropped, duplicates } = await emitThroughLossyNetwork(stream, 'eval', count, (n) =>
      keyed({ n }, `key-${n}`),
    );
    expect(dropped).toBeGreaterThanOrEqual(3);
    // A dropped reply answered a script Redis had run: its re-send found the marker.
    expect(duplicates).toBeGreaterThan(0);
    const written = await eventIds(stream);
    expect(written.size).toBe(count);
    ids.forEach((id, n) => expect(written.get(id)).toBe(`key-${n}`));
  });

  it('negative control: the same lossy network without keys writes more than N entries', async () => {
    const stream = newStream('idem-lossy-plain');
    const count = 300;
    const { ids, dropped } = await emitThroughLossyNetwork(stream, 'xadd', count, (n) => ({ n }));
    expect(dropped).toBeGreaterThanOrEqual(3);
    expect(new Set(ids).size).toBe(count);
    const written = await redis.xlen(stream);
    expect(written).toBeGreaterThan(count);
    // Each extra entry repeats the event_id of another: a producer duplicate consumers must absorb.
    expect(new Set((await eventIds(stream)).values()).size).toBe(count);
  });
});
