import { BadEntryError } from '../errors/bad-entry.error';
import { ResolvedRoute } from '../options/routing-options';
import { decodeEntry } from './entry-decoder';
import { encodeEnvelope } from './envelope';

const limits = { maxPayloadBytes: 1024, maxDepth: 8, maxFields: 10, maxEntryBytes: 2048 };
const single: ResolvedRoute = {
  stream: 'orders',
  patterns: ['order.created'],
  codec: 'envelope',
  shared: false,
  unknownTypes: 'skip',
  writeCodec: 'envelope',
  extraFields: [],
};
const shared: ResolvedRoute = {
  stream: 'events',
  patterns: ['a', 'b'],
  codec: 'envelope',
  shared: true,
  unknownTypes: 'skip',
  writeCodec: 'envelope',
  extraFields: [],
};
const flat: ResolvedRoute = {
  stream: 'email.received',
  patterns: ['email.received'],
  codec: 'flat',
  shared: false,
  unknownTypes: 'skip',
  writeCodec: 'flat',
  extraFields: [],
};

const raw = (...fields: Array<string | Buffer>): Buffer[] =>
  fields.map((f) => (Buffer.isBuffer(f) ? f : Buffer.from(f)));

/** `n` distinct extra fields: `f0`, `v`, `f1`, `v` … */
const manyFields = (n: number): string[] => Array.from({ length: n }, (_, i) => [`f${i}`, 'v']).flat();

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BadEntryError) {
      return error.reason;
    }
    throw error;
  }
  throw new Error('expected a BadEntryError');
}

describe('decodeEntry', () => {
  it('round-trips what encodeEnvelope writes', () => {
    const fields = encodeEnvelope('order.created', { id: 1 }, { eventId: 'e1', headers: { h: 'v' } }, limits);
    const decoded = decodeEntry(raw(...fields), single, limits);
    expect(decoded).toMatchObject({
      pattern: 'order.created',
      data: { id: 1 },
      eventId: 'e1',
      headers: { h: 'v' },
    });
    expect(decoded.extras).toEqual({});
  });

  it('keeps fields outside the envelope as extras and defaults a missing type to the stream pattern', () => {
    const decoded = decodeEntry(raw('data', '{}', 'job_id', 'j1'), single, limits);
    expect(decoded.pattern).toBe('order.created');
    expect(decoded.extras).toEqual({ job_id: 'j1' });
  });

  it('decodes flat entries: every field a payload key, JSON-looking values parsed', () => {
    const decoded = decodeEntry(
      raw('email_id', 'x', 'tags', '["a"]', 'type', 'kept', 't', '[draft] notes'),
      flat,
      limits,
    );
    expect(decoded).toMatchObject({
      pattern: 'email.received',
      data: { email_id: 'x', tags: ['a'], type: 'kept', t: '[draft] notes' },
    });
  });

  it('accepts an entry at both caps: exactly maxFields fields, exactly maxEntryBytes bytes', () => {
    expect(decodeEntry(raw('data', '{}', ...manyFields(9)), single, limits).extras).toHaveProperty('f8', 'v');
    // 4 + 2 + 1 + 1000 + 1 + 1000 + 1 + 39 = 2048 bytes.
    const full = raw('data', '{}', 'a', 'x'.repeat(1000), 'b', 'x'.repeat(1000), 'c', 'x'.repeat(39));
    expect(decodeEntry(full, single, limits).extras.c).toHaveLength(39);
  });

  it('auto codec picks envelope when data is present, flat otherwise', () => {
    const auto: ResolvedRoute = { ...single, codec: 'auto' };
    expect(decodeEntry(raw('data', '{"a":1}'), auto, limits).data).toEqual({ a: 1 });
    expect(decodeEntry(raw('job_id', 'j'), auto, limits).data).toEqual({ job_id: 'j' });
  });

  it.each([
    ['deleted', () => decodeEntry(null, single, limits)],
    ['missing-type', () => decodeEntry(raw('data', '{}'), shared, limits)],
    ['missing-data', () => decodeEntry(raw('type', 'order.created'), single, limits)],
    ['invalid-json', () => decodeEntry(raw('data', '{nope'), single, limits)],
    ['duplicate-field', () => decodeEntry(raw('data', '{}', 'data', '{}'), single, limits)],
    ['duplicate-field', () => decodeEntry(raw('job_id', 'a', 'data', '{}', 'job_id', 'b'), single, limits)],
    ['duplicate-field', () => decodeEntry(raw('type', 'a', 'x', '1', 'x', '2'), flat, limits)],
    [
      'duplicate-field',
      () => decodeEntry(raw('headers', '{}', 'data', '{}', 'headers', '{}'), single, limits),
    ],
    ['too-large', () => decodeEntry(raw('data', `"${'x'.repeat(2000)}"`), single, limits)],
    ['too-deep', () => decodeEntry(raw('data', '['.repeat(9) + ']'.repeat(9)), single, limits)],
    ['too-many-fields', () => decodeEntry(raw('data', 'not json', ...manyFields(10)), single, limits)],
    ['too-many-fields', () => decodeEntry(raw(...manyFields(11)), flat, limits)],
    // A field name over 1 KiB: names are keys, not payload (under every other cap here).
    [
      'too-large',
      () =>
        decodeEntry(raw('data', '{}', 'n'.repeat(1025), 'v'), single, { ...limits, maxEntryBytes: 1 << 20 }),
    ],
    // Every value under the field cap, together one byte over the entry cap (names count too).
    [
      'too-large',
      () =>
        decodeEntry(
          raw('data', '{}', 'a', 'x'.repeat(1000), 'b', 'x'.repeat(1000), 'c', 'x'.repeat(40)),
          single,
          limits,
        ),
    ],
    ['prototype-pollution', () => decodeEntry(raw('data', '{"__proto__":{"x":1}}'), single, limits)],
    [
      'prototype-pollution',
      () => decodeEntry(raw('data', '{"constructor":{"prototype":{"x":1}}}'), single, limits),
    ],
    ['prototype-pollution', () => decodeEntry(raw('__proto__', '{}'), flat, limits)],
    ['prototype-pollution', () => decodeEntry(raw('meta', '{"__proto__":{"x":1}}'), flat, limits)],
    ['too-deep', () => decodeEntry(raw('meta', '['.repeat(9) + ']'.repeat(9)), flat, limits)],
    ['invalid-utf8', () => decodeEntry(raw('data', Buffer.from([0x22, 0xff, 0xfe, 0x22])), single, limits)],
    ['invalid-headers', () => decodeEntry(raw('data', '{}', 'headers', '{"n":1}'), single, limits)],
  ])('rejects a bad entry with reason %s', (reason, run) => {
    expect(reasonOf(run)).toBe(reason);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('encodeEnvelope', () => {
  it.each([
    ['an empty pattern', () => encodeEnvelope('', {}, {}, limits), /non-empty/],
    ['a BigInt', () => encodeEnvelope('p', { n: 1n }, {}, limits), /cannot be serialised/],
    ['undefined', () => encodeEnvelope('p', undefined, {}, limits), /cannot be serialised/],
    [
      'an oversized payload',
      () => encodeEnvelope('p', 'x'.repeat(2000), {}, limits),
      /over the 1024-byte limit/,
    ],
    ['a too deep payload', () => encodeEnvelope('p', [[[[[[[[[[]]]]]]]]]], {}, limits), /deeper than 8/],
  ])('refuses %s', (_label, run, message) => {
    expect(run).toThrow(message);
  });
});
