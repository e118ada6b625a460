import { compareEntryIds, entryIdAt, isEntryId, minEntryId, nextEntryId, parseEntryId } from './entry-ids';

describe('entry ids', () => {
  it('parses ms-seq and bare ms, refuses anything else', () => {
    expect(parseEntryId('1700000000000-3')).toEqual({ ms: 1700000000000, seq: 3 });
    expect(parseEntryId('12')).toEqual({ ms: 12, seq: 0 });
    for (const bad of ['', '$', '>', '-1', '1-', 'a-1', '1-2-3', '1 -2']) {
      expect(isEntryId(bad)).toBe(false);
      expect(() => parseEntryId(bad)).toThrow(/not a stream entry id/);
    }
  });

  it('orders like Redis: by time, then sequence (not as strings)', () => {
    expect(compareEntryIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareEntryIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareEntryIds('10-1', '10-1')).toBe(0);
    expect(minEntryId('10-10', '10-2')).toBe('10-2');
  });

  it('steps to the next id and builds the first id of a time', () => {
    expect(nextEntryId('5-9')).toBe('5-10');
    expect(nextEntryId('0-0')).toBe('0-1');
    expect(entryIdAt(1234.7)).toBe('1234-0');
    expect(entryIdAt(-5)).toBe('0-0');
  });
});
