import { InvalidEventError, InvalidOptionsError } from '../errors/redis-streams.error';
import { decodeEntry } from '../wire/entry-decoder';
import { encodeEntry } from '../wire/entry-encoder';
import { EXPIRY_HEADER, expiryOf } from '../wire/expiry';
import { MAX_TTL_MS, eventTtl } from './expiry-options';
import { StreamRoute, resolveRoutes } from './routing-options';

const one = (route: Partial<StreamRoute>): StreamRoute => ({ stream: 's', patterns: ['p'], ...route });
const resolve = (route: Partial<StreamRoute>) => resolveRoutes([one(route)])[0];
const limits = { maxPayloadBytes: 1024, maxDepth: 8 };
const decodeLimits = { ...limits, maxFields: 100, maxEntryBytes: 8192 };

describe('message TTL: route options', () => {
  it('none by default; ttlMs and onExpired dead-letter are kept, onExpired ack is the default', () => {
    const plain = resolve({});
    expect(plain.ttlMs).toBeUndefined();
    expect(plain.onExpired).toBeUndefined();
    expect(resolve({ ttlMs: 5000, onExpired: 'dead-letter' })).toMatchObject({
      ttlMs: 5000,
      onExpired: 'dead-letter',
    });
    expect(resolve({ onExpired: 'ack' }).onExpired).toBeUndefined();
    expect(resolve({ codec: 'auto', onExpired: 'dead-letter' }).onExpired).toBe('dead-letter');
  });

  it.each<[string, Partial<StreamRoute>, RegExp]>([
    ['ttlMs 0', { ttlMs: 0 }, /^routes\[0\]\.ttlMs must be an integer from 1 to 31536000000 \(got 0\)$/],
    ['a fractional ttlMs', { ttlMs: 1.5 }, /routes\[0\]\.ttlMs must be an integer/],
    ['ttlMs over a year', { ttlMs: MAX_TTL_MS + 1 }, /routes\[0\]\.ttlMs/],
    ['ttlMs as text', { ttlMs: '100' as never }, /routes\[0\]\.ttlMs/],
    [
      'ttlMs on a route written flat',
      { codec: 'flat', ttlMs: 1000 },
      /routes\[0\]\.ttlMs needs writeCodec envelope: the expiry travels in the headers, and a flat entry has none/,
    ],
    [
      'ttlMs on an auto route written flat',
      { codec: 'auto', writeCodec: 'flat', ttlMs: 1000 },
      /writeCodec envelope/,
    ],
    [
      'ttlMs on an informational route',
      { durable: false, ttlMs: 1000 },
      /routes\[0\]\.ttlMs: an informational route/,
    ],
    [
      'an unknown onExpired',
      { onExpired: 'drop' as never },
      /routes\[0\]\.onExpired must be ack or dead-letter/,
    ],
    ['onExpired on a route read flat', { codec: 'flat', onExpired: 'dead-letter' }, /read flat: no headers/],
    ['onExpired on an informational route', { durable: false, onExpired: 'ack' }, /informational/],
  ])('refuses %s', (_what, route, message) => {
    expect(() => resolve(route)).toThrow(InvalidOptionsError);
    expect(() => resolve(route)).toThrow(message);
  });

  it("an event's ttlMs wins over the route's; a bad one is refused (nothing written)", () => {
    expect(eventTtl(undefined, undefined)).toBeUndefined();
    expect(eventTtl(undefined, 500)).toBe(500);
    expect(eventTtl(100, 500)).toBe(100);
    for (const bad of [0, -1, 1.5, Infinity, Number.NaN, MAX_TTL_MS + 1, '100', null]) {
      expect(() => eventTtl(bad, 500)).toThrow(InvalidEventError);
    }
    expect(() => eventTtl(0, undefined)).toThrow(
      /^ttlMs must be an integer from 1 to 31536000000 \(got 0\); nothing was written$/,
    );
  });
});

describe('message TTL: encoding', () => {
  const timestamp = new Date('2026-11-03T10:00:00.000Z');

  it('writes expires_at = timestamp + ttlMs into the headers, beside the other headers; the decoder reads it back', () => {
    const route = resolve({});
    const fields = encodeEntry(
      route,
      'p',
      { a: 1 },
      { timestamp, ttlMs: 1500, headers: { source: 'api' } },
      limits,
    );
    const decoded = decodeEntry(
      fields.map((field) => Buffer.from(field)),
      route,
      decodeLimits,
    );
    expect(decoded.timestamp).toBe('2026-11-03T10:00:00.000Z');
    expect(decoded.headers).toEqual({ source: 'api', [EXPIRY_HEADER]: '2026-11-03T10:00:01.500Z' });
    expect(EXPIRY_HEADER).toBe('expires_at');
    expect(expiryOf(decoded.headers)).toBe(timestamp.getTime() + 1500);
  });

  it('writes a headers field for the expiry alone; nothing when there is no TTL', () => {
    const route = resolve({});
    const withTtl = encodeEntry(route, 'p', 1, { timestamp, ttlMs: 10 }, limits);
    expect(withTtl.slice(-2)).toEqual([
      'headers',
      JSON.stringify({ expires_at: '2026-11-03T10:00:00.010Z' }),
    ]);
    expect(encodeEntry(route, 'p', 1, { timestamp }, limits)).not.toContain('headers');
  });

  it('refuses a TTL on a flat or informational route (InvalidEventError, nothing encoded)', () => {
    const flat = resolve({ codec: 'flat' });
    expect(() => encodeEntry(flat, 'p', { a: 1 }, { ttlMs: 10 }, limits)).toThrow(
      /stream "s" is written flat \(no headers\): a ttlMs has no place there/,
    );
    const informational = resolve({ durable: false });
    expect(() => encodeEntry(informational, 'p', { a: 1 }, { ttlMs: 10 }, limits)).toThrow(InvalidEventError);
  });

  it('an unreadable expires_at counts as none (the entry is handled)', () => {
    expect(expiryOf({})).toBeUndefined();
    expect(expiryOf({ expires_at: 'soon' })).toBeUndefined();
    expect(expiryOf({ expires_at: '2026-11-03T10:00:00.000Z' })).toBe(timestamp.getTime());
  });
});
