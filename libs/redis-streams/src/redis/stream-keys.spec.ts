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

describe('StreamKeys', () => {
  it.each(['orders', 'shield:events', '{shop}:orders', 'a{b}c'])(
    'derives keys in the slot of %s',
    (stream) => {
      for (const key of [
        StreamKeys.deadLetter(stream),
        StreamKeys.retryLane(stream, 'g'),
        StreamKeys.retrySchedule(stream, 'g'),
        StreamKeys.promoterLease(stream, 'g'),
      ]) {
        expect(slot(key)).toBe(slot(stream));
      }
    },
  );

  it('names keys readably', () => {
    expect(StreamKeys.deadLetter('shield:events')).toBe('{shield:events}:dlq');
    expect(StreamKeys.retryLane('{shop}:orders', 'billing')).toBe('{shop}:orders:retry:billing');
  });

  it('maps every derived key back to its source stream, and leaves other keys alone', () => {
    for (const stream of ['shield:events', '{shop}:orders', 'a:retry']) {
      for (const key of [
        StreamKeys.deadLetter(stream),
        StreamKeys.deadLetterLog(stream),
        StreamKeys.retryLane(stream, 'g'),
      ]) {
        expect(StreamKeys.sourceOf(key)).toBe(stream);
      }
    }
    for (const key of ['shield:events', '{shop}:orders', 'orders:dlq', 'x:retry:g']) {
      expect(StreamKeys.sourceOf(key)).toBeUndefined();
    }
  });
});
