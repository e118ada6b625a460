import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  InvalidEventError,
  RedisCommandError,
  RedisStreamsError,
  RedisStreamsRecord,
} from '@app/redis-streams';
import { RedisProxy } from '../support/redis-proxy';
import { uniqueName } from '../support/names';
import { PrivateRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';

describe('ClientRedisStreams', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  afterAll(() => redis.disconnect());

  it('emit resolves with the entry id and writes the envelope, readable with XRANGE; no MAXLEN trimming', async () => {
    const stream = uniqueName('wire');
    const client = new ClientRedisStreams({ source: 'orders-api' });
    try {
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) {
        ids.push(await lastValueFrom(client.emit<string>(stream, { n })));
      }
      const entries = await redis.xrange(stream, '-', '+');
      expect(entries.map(([id]) => id)).toEqual(ids);
      const raw = entries[0][1];
      const fields: Record<string, string> = {};
      for (let i = 0; i < raw.length; i += 2) {
        fields[raw[i]] = raw[i + 1];
      }
      expect(fields.type).toBe(stream);
      expect(JSON.parse(fields.data)).toEqual({ n: 0 });
      expect(fields.event_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(new Date(fields.timestamp).toISOString()).toBe(fields.timestamp);
      expect(JSON.parse(fields.headers)).toEqual({ source: 'orders-api' });
    } finally {
      await client.close();
      await redis.del(stream);
    }
  });

  it('concurrent emits are pipelined: all of them are on the wire before the first reply', async () => {
    const stream = uniqueName('pipeline');
    const proxy = await RedisProxy.inFrontOfTestRedis();
    const client = new ClientRedisStreams({ url: proxy.url });
    try {
      await client.connect();
      const gate = proxy.hold('xadd', 100);
      const emits = Array.from({ length: 100 }, (_, n) => lastValueFrom(client.emit<string>(stream, { n })));
      expect(await gate).toBe(100);
      expect(await Promise.all(emits)).toHaveLength(100);
      expect(await redis.xlen(stream)).toBe(100);
    } finally {
      await client.close();
      await proxy.close();
      await redis.del(stream);
    }
  });

  it('a lost XADD reply: ioredis resends it, so the stream holds two entries with the same event_id (DESIGN §5.4)', async () => {
    const stream = uniqueName('lost-xadd');
    const proxy = await RedisProxy.inFrontOfTestRedis();
    const client = new ClientRedisStreams({ url: proxy.url });
    try {
      await client.connect();
      proxy.dropNextReply();
      await lastValueFrom(client.emit<string>(stream, { n: 1 }));
      const entries = await redis.xrange(stream, '-', '+');
      expect(proxy.droppedReplies).toBe(1);
      expect(entries).toHaveLength(2);
      const eventIds = entries.map(([, fields]) => fields[fields.indexOf('event_id') + 1]);
      expect(eventIds[0]).toBe(eventIds[1]); // consumers that need an exactly-once effect dedupe on it
    } finally {
      await client.close();
      await proxy.close();
      await redis.del(stream);
    }
  });

  it('emit is hot and keeps its outcome: written without a subscriber, a late subscriber still gets the id', async () => {
    const stream = uniqueName('hot');
    const client = new ClientRedisStreams();
    try {
      const emitted = client.emit<string>(stream, { n: 1 });
      const [[id]] = await waitFor(async () => {
        const entries = await redis.xrange(stream, '-', '+');
        return entries.length === 1 ? entries : undefined;
      }, 'the entry written without a subscriber');
      // Nest's own emit multicasts through a plain Subject: subscribing after the write completes yields no value.
      expect(await lastValueFrom(emitted)).toBe(id);
      expect(await lastValueFrom(emitted)).toBe(id);
      expect(await redis.xlen(stream)).toBe(1);
    } finally {
      await client.close();
      await redis.del(stream);
    }
  });

  it('a failed emit nobody subscribed to is not an unhandled rejection; null or undefined payloads are refused', async () => {
    const stream = uniqueName('unobserved');
    const client = new ClientRedisStreams();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      client.emit(stream, { big: 10n });
      await expect(lastValueFrom(client.emit(stream, null))).rejects.toThrow(/not null or undefined/);
      await expect(lastValueFrom(client.emit(stream, undefined))).rejects.toBeInstanceOf(InvalidEventError);
      // A full round trip later, any unhandled rejection of the first emit has been reported.
      await lastValueFrom(client.emit(stream, { n: 1 }));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(await redis.xlen(stream)).toBe(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await client.close();
      await redis.del(stream);
    }
  });

  it('send() refuses what cannot be a request, writing nothing: a flat route, a bad timeout, a null payload', async () => {
    const stream = uniqueName('send-refused');
    const client = new ClientRedisStreams({ routes: [{ stream, patterns: [stream], codec: 'flat' }] });
    await expect(lastValueFrom(client.send(stream, { a: 1 }))).rejects.toThrow(
      /needs a durable envelope route/,
    );
    await expect(
      lastValueFrom(client.send('x', new RedisStreamsRecord({}, { timeoutMs: 0 }))),
    ).rejects.toThrow(/timeoutMs must be an integer/);
    await expect(lastValueFrom(client.send('x', null))).rejects.toThrow();
    await expect(
      lastValueFrom(client.send('x', new RedisStreamsRecord({}, { idempotencyKey: 'k' }))),
    ).rejects.toThrow(/emit options/);
    expect(client.getRequestStats()).toMatchObject({ sent: 0, waiting: 0 });
    expect(await redis.exists(stream, 'x')).toBe(0);
    await client.close();
  });

  it('payloads that cannot be written are rejected and nothing is written', async () => {
    const stream = uniqueName('invalid');
    const client = new ClientRedisStreams({ maxPayloadBytes: 1024 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    try {
      await expect(lastValueFrom(client.emit(stream, { big: 10n }))).rejects.toBeInstanceOf(
        InvalidEventError,
      );
      await expect(lastValueFrom(client.emit(stream, cyclic))).rejects.toBeInstanceOf(InvalidEventError);
      await expect(lastValueFrom(client.emit(stream, { s: 'x'.repeat(2000) }))).rejects.toThrow(
        /over the 1024-byte limit/,
      );
      await expect(lastValueFrom(client.emit('', { n: 1 }))).rejects.toThrow(/non-empty/);
      expect(await redis.exists(stream)).toBe(0);
    } finally {
      await client.close();
    }
  });

  describe('Redis errors reach the caller', () => {
    let server: PrivateRedis | undefined;
    afterEach(async () => server?.destroy());

    it('OOM (maxmemory reached, noeviction)', async () => {
      server = await PrivateRedis.start({ args: ['--maxmemory', '1', '--maxmemory-policy', 'noeviction'] });
      const client = new ClientRedisStreams({ url: server.url });
      const error: unknown = await lastValueFrom(client.emit('orders', { n: 1 })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisCommandError);
      expect((error as RedisCommandError).code).toBe('OOM');
      await client.close();
    });

    it('NOPERM (ACL), without leaking the password or the payload in the error', async () => {
      server = await PrivateRedis.start();
      const admin = new Redis(server.url);
      await admin.call('ACL', 'SETUSER', 'writer', 'on', '>s3cret-pw', '~allowed:*', '+@all');
      admin.disconnect();
      const client = new ClientRedisStreams({ url: `redis://writer:s3cret-pw@127.0.0.1:${server.port}` });
      const error: unknown = await lastValueFrom(client.emit('forbidden', { secret: 'payload-xyz' })).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RedisCommandError);
      expect((error as RedisCommandError).code).toBe('NOPERM');
      const text = `${(error as Error).message} ${JSON.stringify(error)}`;
      expect(text).not.toContain('s3cret-pw');
      expect(text).not.toContain('payload-xyz');
      await client.close();
    });

    it('connection loss past the retry budget', async () => {
      server = await PrivateRedis.start();
      const client = new ClientRedisStreams({ url: server.url, maxRetriesPerRequest: 2 });
      await lastValueFrom(client.emit('orders', { n: 1 }));
      await server.destroy();
      server = undefined;
      await expect(lastValueFrom(client.emit('orders', { n: 2 }))).rejects.toBeInstanceOf(RedisStreamsError);
      await client.close();
    });
  });
});
