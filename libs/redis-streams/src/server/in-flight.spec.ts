import { InFlight } from './in-flight';

describe('InFlight', () => {
  it('makes a reader wait for a free slot and wakes it when one frees', async () => {
    const inFlight = new InFlight(2);
    inFlight.add('a');
    inFlight.add('b');
    expect(inFlight.free()).toBe(0);
    let woke = false;
    const waiting = inFlight.waitForSlot().then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    inFlight.delete('a');
    await waiting;
    expect(woke).toBe(true);
  });

  it('reports idle, or gives up after the timeout', async () => {
    const inFlight = new InFlight(4);
    expect(await inFlight.waitForIdle(0)).toBe(true);
    inFlight.add('a');
    expect(await inFlight.waitForIdle(5)).toBe(false);
    const idle = inFlight.waitForIdle(1000);
    inFlight.delete('a');
    expect(await idle).toBe(true);
  });
});
