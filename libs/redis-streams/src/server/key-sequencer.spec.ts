import { KeySequencer } from './key-sequencer';

const entry = (originalId: string): { originalId: string } => ({ originalId });

describe('KeySequencer', () => {
  it('runs one entry per key at a time and hands the next over in arrival order', () => {
    const keys = new KeySequencer<{ originalId: string }>();
    expect(keys.admit('a', entry('1-0'))).toBe(true);
    expect(keys.admit('b', entry('2-0'))).toBe(true); // other keys flow
    expect(keys.admit('a', entry('3-0'))).toBe(false);
    expect(keys.admit('a', entry('4-0'))).toBe(false);
    expect(keys.admit('a', entry('3-0'))).toBe(false); // a re-read of a queued entry is not queued twice
    expect(keys.waiting).toBe(2);
    expect(keys.finish('a', '1-0', 'done')).toEqual(entry('3-0'));
    expect(keys.finish('a', '3-0', 'done')).toEqual(entry('4-0'));
    expect(keys.finish('a', '4-0', 'done')).toBeUndefined();
    expect(keys.admit('a', entry('5-0'))).toBe(true);
  });

  it('parks a key behind its retried entry: later entries wait until that one comes back and ends', () => {
    const keys = new KeySequencer<{ originalId: string }>();
    keys.admit('a', entry('1-0'));
    expect(keys.finish('a', '1-0', 'parked', 5000)).toBeUndefined();
    expect(keys.admit('a', entry('2-0'))).toBe(false);
    expect(keys.parkedKeys).toBe(1);
    expect(keys.admit('a', entry('1-0'))).toBe(true); // back from the retry lane: it runs first
    expect(keys.finish('a', '1-0', 'done')).toEqual(entry('2-0'));
    expect(keys.parkedKeys).toBe(0);
  });

  it('a parked entry that does not come back in time releases its key', () => {
    const keys = new KeySequencer<{ originalId: string }>();
    keys.park('a', '1-0', 1000);
    expect(keys.admit('a', entry('2-0'))).toBe(false);
    expect(keys.releaseOverdue(999)).toEqual([]);
    expect(keys.releaseOverdue(1001)).toEqual([{ key: 'a', parked: '1-0', next: entry('2-0') }]);
    expect(keys.finish('a', '2-0', 'done')).toBeUndefined();
  });

  it('a second copy of the running entry (a PEL re-read) may run; drain forgets the keys picked', () => {
    const keys = new KeySequencer<{ originalId: string }>();
    keys.admit('s1\na', entry('1-0'));
    expect(keys.admit('s1\na', entry('1-0'))).toBe(true);
    keys.admit('s1\na', entry('2-0'));
    keys.admit('s2\nb', entry('3-0'));
    keys.admit('s2\nb', entry('4-0'));
    expect(keys.drain((key) => key.startsWith('s1\n'))).toEqual([entry('2-0')]);
    expect(keys.finish('s1\na', '1-0', 'done')).toBeUndefined();
    expect(keys.waiting).toBe(1);
  });
});
