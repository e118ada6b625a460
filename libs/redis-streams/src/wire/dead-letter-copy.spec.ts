import { cappedOriginal } from './dead-letter-copy';

const raw = (...fields: string[]): Buffer[] => fields.map((f) => Buffer.from(f));
const text = (fields: Buffer[]): string[] => fields.map((f) => f.toString());
const limits = { maxFieldBytes: 10, maxFields: 3, maxBytes: 30 };

describe('cappedOriginal', () => {
  it('copies an entry within the caps as written, unmarked', () => {
    expect(text(cappedOriginal(raw('type', 't', 'data', '{}'), limits))).toEqual(['type', 't', 'data', '{}']);
    expect(cappedOriginal(null, limits)).toEqual([]);
  });

  it('cuts a value over the field cap and marks the record', () => {
    expect(text(cappedOriginal(raw('data', 'x'.repeat(20)), limits))).toEqual([
      'data',
      'x'.repeat(10),
      'dlq_truncated',
      'true',
    ]);
  });

  it('copies at most maxFields pairs', () => {
    const fields = raw(...Array.from({ length: 5000 }, (_, i) => [`f${i}`, 'v']).flat());
    expect(text(cappedOriginal(fields, limits))).toEqual([
      'f0',
      'v',
      'f1',
      'v',
      'f2',
      'v',
      'dlq_truncated',
      'true',
    ]);
  });

  it('copies at most maxBytes in all: the last value is cut to what is left, later fields are left out', () => {
    const fields = raw('a', 'x'.repeat(10), 'b', 'y'.repeat(10), 'c', 'z'.repeat(10));
    const copy = cappedOriginal(fields, { maxFieldBytes: 10, maxFields: 100, maxBytes: 25 });
    expect(text(copy)).toEqual([
      'a',
      'x'.repeat(10),
      'b',
      'y'.repeat(10),
      'c',
      'zz',
      'dlq_truncated',
      'true',
    ]);
    expect(copy.slice(0, -2).reduce((sum, field) => sum + field.length, 0)).toBe(25);
    const spent = cappedOriginal(raw('a', 'x'.repeat(10), 'b', 'y'), { ...limits, maxBytes: 11 });
    expect(text(spent)).toEqual(['a', 'x'.repeat(10), 'dlq_truncated', 'true']);
  });
});
