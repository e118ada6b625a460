import { Redis } from 'ioredis';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { encodeEnvelope } from '../wire/envelope';
import { StreamTail } from './stream-tail';
import { parseTailPosition } from '../wire/entry-ids';
import { decodeTailedEntry } from '../wire/lenient-decoder';
import { compileTypeFilter } from '../wire/name-pattern';

const entry = (...fields: Array<string | Buffer>): { id: string; fields: Buffer[] } => ({
  id: '1-0',
  fields: fields.map((f) => (Buffer.isBuffer(f) ? f : Buffer.from(f))),
});

describe('parseTailPosition', () => {
  it('keeps $, defaults to it, and normalises 0, ms and ms-seq to full ids', () => {
    expect(parseTailPosition(undefined)).toBe('$');
    expect(parseTailPosition('$')).toBe('$');
    expect(parseTailPosition('0')).toBe('0-0');
    expect(parseTailPosition('1700000000000')).toBe('1700000000000-0');
    expect(parseTailPosition('1700000000000-7')).toBe('1700000000000-7');
    expect(parseTailPosition('007-01')).toBe('7-1');
    expect(parseTailPosition('18446744073709551615-18446744073709551615')).toBe(
      '18446744073709551615-18446744073709551615',
    );
  });

  it.each(['', '>', '+', '-1', '1-', '1-2-3', 'abc', ' 1-0', '1.5', '18446744073709551616'])(
    'refuses %p with InvalidOptionsError',
    (from) => {
      expect(() => parseTailPosition(from)).toThrow(InvalidOptionsError);
      expect(() => parseTailPosition(from)).toThrow(/from must be "\$".*"0".*entry id/);
    },
  );
});

describe('compileTypeFilter', () => {
  it('matches everything without types', () => {
    expect(compileTypeFilter()('x')).toBe(true);
    expect(compileTypeFilter([])('x')).toBe(true);
  });

  it('matches exact names and prefixes ending with *', () => {
    const matches = compileTypeFilter(['audit.login', 'ingestion.*']);
    expect(['audit.login', 'ingestion.started', 'ingestion.'].map(matches)).toEqual([true, true, true]);
    expect(['audit.logout', 'audit', 'ingestion', 'x.ingestion.started'].map(matches)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(compileTypeFilter(['*'])('anything')).toBe(true);
  });

  it.each([[['']], [['a*b']], [['**']], [['*a']]])('refuses %p', (types) => {
    expect(() => compileTypeFilter(types)).toThrow(InvalidOptionsError);
  });
});

describe('decodeTailedEntry', () => {
  it('decodes an envelope written by this library', () => {
    const fields = encodeEnvelope(
      'order.created',
      { id: 7 },
      { eventId: 'e-1', headers: { source: 'api' }, timestamp: new Date(0) },
      { maxPayloadBytes: 1024, maxDepth: 8 },
    );
    expect(decodeTailedEntry('orders', entry(...fields))).toEqual({
      id: '1-0',
      type: 'order.created',
      eventId: 'e-1',
      timestamp: '1970-01-01T00:00:00.000Z',
      data: { id: 7 },
      headers: { source: 'api' },
    });
  });

  it('decodes a Python (seed 000) event without headers: no headers key, extras ignored', () => {
    const event = decodeTailedEntry(
      'shield:events',
      entry('event_id', 'e', 'type', 't', 'data', '{}', 'job_id', 'j'),
    );
    expect(event).toEqual({ id: '1-0', type: 't', eventId: 'e', data: {} });
    expect(event).not.toHaveProperty('headers');
  });

  it('decodes a flat (seed 002) entry: the stream name is the type, JSON-looking values parsed', () => {
    expect(
      decodeTailedEntry('email.received', entry('from', 'a@b', 'meta', '{"x":1}', 'note', '[draft] hi')),
    ).toEqual({
      id: '1-0',
      type: 'email.received',
      data: { from: 'a@b', meta: { x: 1 }, note: '[draft] hi' },
    });
    expect(decodeTailedEntry('s', entry('type', 'job', 'n', '1')).data).toEqual({ n: '1' });
  });

  it('passes malformed entries on as written, naming why, and never throws', () => {
    expect(decodeTailedEntry('s', entry('type', 't', 'data', 'not json'))).toMatchObject({
      type: 't',
      data: 'not json',
      malformed: 'invalid-json',
    });
    expect(decodeTailedEntry('s', entry('data', '1'))).toMatchObject({
      type: 'unknown',
      malformed: 'missing-type',
    });
    expect(decodeTailedEntry('s', entry('type', 't', 'data', '1', 'headers', '{"a":1}'))).toMatchObject({
      data: 1,
      malformed: 'invalid-headers',
    });
    expect(decodeTailedEntry('s', entry('type', 't', 'data', '1', 'headers', 'x')).headers).toBeUndefined();
    expect(decodeTailedEntry('s', entry('type', 't', 'data', '1', 'type', 'u'))).toMatchObject({
      type: 't',
      malformed: 'duplicate-field',
    });
    expect(decodeTailedEntry('s', entry('type', 't', 'data', Buffer.from([0xff])))).toMatchObject({
      malformed: 'invalid-utf8',
    });
    expect(decodeTailedEntry('s', entry('type', 't', 'data', '{"__proto__":{"x":1}}'))).toMatchObject({
      data: '{"__proto__":{"x":1}}',
      malformed: 'invalid-json',
    });
    expect(decodeTailedEntry('s', entry('type', 't', 'data', '['.repeat(100)))).toMatchObject({
      malformed: 'invalid-json',
    });
    expect(decodeTailedEntry('s', { id: '1-0', fields: null })).toEqual({ id: '1-0', type: 's', data: {} });
  });

  it('keeps a __proto__ field of a flat entry as plain data', () => {
    const { data } = decodeTailedEntry('s', entry('__proto__', '{"polluted":true}'));
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('StreamTail options', () => {
  const url = 'redis://127.0.0.1:1';

  it.each([
    [{ stream: '' }, /stream must be a non-empty string/],
    [{ stream: 's', from: 'x' }, /from must be/],
    [{ stream: 's', types: ['a*b'] }, /prefix ending with \*/],
    [{ stream: 's', count: 0 }, /count must be an integer from 1 to 1000/],
    [{ stream: 's', blockMs: 1.5 }, /blockMs must be an integer/],
    [{ stream: 's', url: 'http://x' }, /url must be a redis:\/\//],
  ])('refuses %p', (options, message) => {
    expect(() => new StreamTail({ url, ...options })).toThrow(InvalidOptionsError);
    expect(() => new StreamTail({ url, ...options })).toThrow(message);
  });

  it('refuses a client together with a url', () => {
    const client = new Redis(url, { lazyConnect: true });
    expect(() => new StreamTail({ stream: 's', client, url })).toThrow(/client or url/);
    client.disconnect();
  });

  it('connects only when iterated; stop() before that resolves at once; iterating twice is refused', async () => {
    const tail = new StreamTail({ stream: 's', url, from: '0' });
    expect(tail.from).toBe('0-0');
    tail[Symbol.asyncIterator]();
    expect(() => tail[Symbol.asyncIterator]()).toThrow(/only once/);
    await tail.stop();
    expect(tail.stopped).toBe(true);
  });

  it('an already aborted signal stops it: the iteration ends without reading', async () => {
    const tail = new StreamTail({ stream: 's', url, signal: AbortSignal.abort() });
    const seen: unknown[] = [];
    for await (const event of tail) {
      seen.push(event);
    }
    expect(seen).toEqual([]);
    expect(tail.stopped).toBe(true);
  });
});
