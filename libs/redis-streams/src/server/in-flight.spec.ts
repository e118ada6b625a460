import { InFlight } from './in-flight';

describe('InFlight', () => {
  it('makes a reader wait for a free slot and wakes it when one frees', async () => {
    const inFlight = new InFlight(2);
    inFlight.add('s', 'a');
    inFlight.add('s', 'b');
    expect(inFlight.free()).toBe(0);
    let woke = false;
    const waiting = inFlight.waitForSlots().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    inFlight.delete('s', 'a');
    await waiting;
    expect(woke).toBe(true);
  });

  it('a reader that wants several slots waits until that many are free', async () => {
    const inFlight = new InFlight(3);
    ['a', 'b', 'c'].forEach((id) => inFlight.add('s', id));
    const woke: string[] = [];
    const two = inFlight.waitForSlots(2).then(() => woke.push('two'));
    const one = inFlight.waitForSlots(1).then(() => woke.push('one'));
    const capped = inFlight.waitForSlots(10).then(() => woke.push('all three'));
    inFlight.delete('s', 'a');
    await one;
    expect(woke).toEqual(['one']);
    inFlight.delete('s', 'b');
    await two;
    expect(woke).toEqual(['one', 'two']);
    inFlight.delete('s', 'c');
    await capped;
    expect(woke).toEqual(['one', 'two', 'all three']);
  });

  it('with a timeout, gives up waiting for more slots and forgets the waiter', async () => {
    const inFlight = new InFlight(3);
    ['a', 'b', 'c'].forEach((id) => inFlight.add('s', id));
    inFlight.delete('s', 'a');
    await inFlight.waitForSlots(3, 5);
    expect(inFlight.free()).toBe(1);
    const woke: string[] = [];
    const two = inFlight.waitForSlots(2, 60_000).then(() => woke.push('two'));
    inFlight.delete('s', 'b');
    await two;
    expect(woke).toEqual(['two']);
    inFlight.delete('s', 'c');
    expect(inFlight.free()).toBe(3);
  });

  it('keeps entries apart by read key, holds each once, and lists the ones whose leases are due', () => {
    const inFlight = new InFlight(4);
    expect(inFlight.add('stream', '1-0', 200)).toBeDefined();
    inFlight.add('lane', '1-0', 300);
    expect(inFlight.add('stream', '1-0', 100)).toBeUndefined(); // held already: not held twice
    expect(inFlight.size).toBe(2);
    expect(inFlight.has('lane', '1-0')).toBe(true);
    expect(inFlight.has('lane', '2-0')).toBe(false);
    expect(inFlight.renewableBefore(250).map(({ readKey, id, since }) => [readKey, id, since])).toEqual([
      ['stream', '1-0', 200],
    ]);
    (inFlight.get('stream', '1-0') as { renew: boolean }).renew = false;
    expect(inFlight.renewableBefore(250)).toEqual([]);
    inFlight.delete('lane', '1-0');
    inFlight.delete('lane', '1-0');
    expect(inFlight.size).toBe(1);
    expect(inFlight.free()).toBe(3);
  });

  it('reports idle, or gives up after the timeout', async () => {
    const inFlight = new InFlight(4);
    expect(await inFlight.waitForIdle(0)).toBe(true);
    inFlight.add('s', 'a');
    expect(await inFlight.waitForIdle(5)).toBe(false);
    const idle = inFlight.waitForIdle(1000);
    inFlight.delete('s', 'a');
    expect(await idle).toBe(true);
  });
});
