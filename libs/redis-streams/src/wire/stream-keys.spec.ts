import { createHash } from 'node:crypto';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { StreamKeys } from './stream-keys';

/** CRC16 (XMODEM) hash slot, as Redis Cluster computes it. */
function slot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

/** Every key derived from `stream` for `group`, by kind. */
function derived(stream: string, group: string): Record<string, string> {
  return {
    deadLetter: StreamKeys.deadLetter(stream),
    deadLetterLog: StreamKeys.deadLetterLog(stream),
    retryLane: StreamKeys.retryLane(stream, group),
    retrySchedule: StreamKeys.retrySchedule(stream, group),
    promoterLease: StreamKeys.promoterLease(stream, group),
  };
}

describe('StreamKeys', () => {
  it.each(['orders', 'shield:events', '{shop}:orders', 'a{b}c', 'a{b', 'x{y{z', 'a}b{c}', '{a}}'])(
    'derives keys in the slot of %s',
    (stream) => {
      for (const group of ['g', 'g:due', '{x}', 'a}b']) {
        for (const key of Object.values(derived(stream, group))) {
          expect(slot(key)).toBe(slot(stream));
        }
      }
    },
  );

  it.each(['a}b', 'x{}y', '}a{', 'x{}y{z}', 'a}b{c', '}'])(
    'refuses %s: a "}" without a hash tag cannot be wrapped into its own slot',
    (stream) => {
      // What wrapping would build lands elsewhere: Redis hashes `{a}b}:dlq` by `a`, the stream by `a}b`.
      expect(slot(`{${stream}}:dlq`)).not.toBe(slot(stream));
      expect(() => StreamKeys.assertUsable(stream)).toThrow(InvalidOptionsError);
      expect(() => StreamKeys.assertUsable(stream)).toThrow(`stream "${stream}" has a "}" but no hash tag`);
      expect(() => StreamKeys.deadLetter(stream)).toThrow(InvalidOptionsError);
      expect(() => StreamKeys.retryLane(stream, 'g')).toThrow(InvalidOptionsError);
    },
  );

  it('accepts names with a tag, with no braces, or with a "{" never closed', () => {
    for (const stream of ['orders', 'shield:events', '{shop}:orders', 'a{b}c', 'a{b', 'a}b{c}', '{orders}']) {
      expect(StreamKeys.problemOf(stream)).toBeUndefined();
      expect(() => StreamKeys.assertUsable(stream)).not.toThrow();
    }
  });

  it('refuses stream names that are keys derived from another stream', () => {
    for (const [stream, source] of [
      ['{orders}:dlq', 'orders'],
      ['{orders}:retry:g', 'orders'],
      ['{shop}:orders:dlq:log', '{shop}:orders'],
    ]) {
      expect(() => StreamKeys.assertUsable(stream)).toThrow(
        `stream "${stream}" is named like a key derived from stream "${source}"`,
      );
    }
  });

  it('names keys readably, byte for byte as before for groups without "%" or ":"', () => {
    expect(derived('shield:events', 'billing')).toEqual({
      deadLetter: '{shield:events}:dlq',
      deadLetterLog: '{shield:events}:dlq:log',
      retryLane: '{shield:events}:retry:billing',
      retrySchedule: '{shield:events}:retry:billing:due',
      promoterLease: '{shield:events}:retry:billing:promoter',
    });
    expect(StreamKeys.retryLane('{shop}:orders', 'billing-v2.{eu}')).toBe(
      '{shop}:orders:retry:billing-v2.{eu}',
    );
    expect(StreamKeys.consumerLease('billing', 'host-42-ab12')).toBe('nrs:consumer:billing:host-42-ab12');
  });

  it('escapes "%" and ":" in group names, so no two (stream, group, kind) triples share a key', () => {
    expect(StreamKeys.retryLane('s', 'g:due')).toBe('{s}:retry:g%3Adue');
    expect(StreamKeys.retrySchedule('s', 'g:due')).toBe('{s}:retry:g%3Adue:due');
    expect(StreamKeys.retryLane('s', '50%')).toBe('{s}:retry:50%25');
    const groups = ['g', 'g:due', 'g:promoter', 'g:due:due', 'g%3Adue', 'g%', 'g%25', ':', '%', 'due', 'dlq'];
    const owners = new Map<string, string>();
    for (const stream of ['s', '{s}:t', 'a:retry']) {
      for (const group of groups) {
        for (const [kind, key] of Object.entries(derived(stream, group))) {
          const owner = `${stream} ${group} ${kind}`;
          const previous = owners.get(key);
          // The dead-letter keys are per stream, shared by all groups on purpose.
          if (
            previous !== undefined &&
            !(kind.startsWith('deadLetter') && previous.startsWith(`${stream} `))
          ) {
            throw new Error(`${owner} and ${previous} share ${key}`);
          }
          owners.set(key, owner);
        }
      }
    }
  });

  it('builds consumer-name lease keys that no two (group, consumer) pairs share', () => {
    expect(StreamKeys.consumerLease('a:b', 'c')).not.toBe(StreamKeys.consumerLease('a', 'b:c'));
    expect(StreamKeys.consumerLease('a:b', 'c')).toBe('nrs:consumer:a%3Ab:c');
    expect(StreamKeys.consumerLease('a', 'b:c')).toBe('nrs:consumer:a:b%3Ac');
    expect(StreamKeys.consumerLease('a%3Ab', 'c')).toBe('nrs:consumer:a%253Ab:c');
  });

  it('maps every derived key back to its source stream, and leaves other keys alone', () => {
    for (const stream of [
      'shield:events',
      '{shop}:orders',
      'a:retry',
      'a:retry:x',
      'q:dlq',
      '{a:retry:b}c',
      'a}b{c}',
    ]) {
      for (const group of ['g', 'g:due', 'g%']) {
        for (const key of Object.values(derived(stream, group))) {
          expect(StreamKeys.sourceOf(key)).toBe(stream);
        }
      }
    }
    // A lane written before group names were escaped still counts as derived.
    expect(StreamKeys.sourceOf('{orders}:retry:billing:v2')).toBe('orders');
    for (const key of ['shield:events', '{shop}:orders', 'orders:dlq', 'x:retry:g', '{}:dlq', '{orders}']) {
      expect(StreamKeys.sourceOf(key)).toBeUndefined();
    }
  });

  it("builds idempotency markers in the stream's slot, escaped so no two (key | group, pattern, event) share one", () => {
    expect(StreamKeys.emitMarker('orders', 'order-42')).toBe('{orders}:idem:order-42');
    expect(StreamKeys.emitMarker('{shop}:orders', 'a:b%c')).toBe('{shop}:orders:idem:a%3Ab%25c');
    expect(StreamKeys.handledMarker('orders', 'billing', 'order.created', 'e-1', '1-0')).toBe(
      '{orders}:handled:billing:order.created:e-1',
    );
    expect(StreamKeys.handledMarker('orders', 'billing', 'order.*', undefined, '1700-3')).toBe(
      '{orders}:handled:billing:order.*:entry:1700-3',
    );
    // An event id is spelled out up to 200 characters; a longer one is written as its SHA-256.
    expect(StreamKeys.handledMarker('o', 'g', 'p', 'x'.repeat(200), '1-0')).toBe(
      `{o}:handled:g:p:${'x'.repeat(200)}`,
    );
    const long = 'x'.repeat(201);
    expect(StreamKeys.handledMarker('o', 'g', 'p', long, '1-0')).toBe(
      `{o}:handled:g:p:digest:${createHash('sha256').update(long).digest('hex')}`,
    );
    const markers = new Map<string, string>();
    const add = (key: string, owner: string): void => {
      const previous = markers.get(key);
      if (previous !== undefined) {
        throw new Error(`${owner} and ${previous} share ${key}`);
      }
      markers.set(key, owner);
    };
    for (const stream of ['orders', '{shop}:orders', 'a}b{c}']) {
      for (const key of ['k', 'k:entry', 'entry:1-0', 'g:p:e', 'k%3A']) {
        const marker = StreamKeys.emitMarker(stream, key);
        expect(slot(marker)).toBe(slot(stream));
        add(marker, `${stream} emit ${key}`);
      }
      for (const group of ['g', 'g:p']) {
        for (const pattern of ['p', 'p:e', 'entry']) {
          for (const eventId of ['e', 'entry:1-0', '1-0', 'digest:ab', 'y'.repeat(201), undefined]) {
            const marker = StreamKeys.handledMarker(stream, group, pattern, eventId, '1-0');
            expect(slot(marker)).toBe(slot(stream));
            add(marker, `${stream} ${group} ${pattern} ${String(eventId)}`);
          }
        }
      }
    }
  });

  it('maps markers back to their stream, so a stream named like one is refused', () => {
    for (const stream of ['orders', '{shop}:orders', 'a:idem:b']) {
      expect(StreamKeys.sourceOf(StreamKeys.emitMarker(stream, 'x:dlq'))).toBe(stream);
      expect(StreamKeys.sourceOf(StreamKeys.handledMarker(stream, 'g', 'p', 'dlq', '1-0'))).toBe(stream);
    }
    expect(() => StreamKeys.assertUsable('{orders}:idem:x')).toThrow(
      /named like a key derived from stream "orders"/,
    );
    expect(() => StreamKeys.assertUsable('{orders}:handled:g:p:e')).toThrow(/derived from stream "orders"/);
    expect(StreamKeys.problemOf('orders:idem')).toBeUndefined();
  });
});
