import { DEFAULT_DELIVERY_POLICY } from '../options/delivery-policy';
import { HeldEntry, InFlight } from './in-flight';
import { Delivery } from './delivery';
import { Outcomes } from './outcomes';
import { Settlement } from './settlement';

describe('Settlement', () => {
  const delivery: Delivery = {
    readKey: 's',
    stream: 's',
    lane: false,
    id: '1-0',
    originalId: '1-0',
    fields: [],
    deliveryCount: 1,
    firstFailure: undefined,
    held: new InFlight(1).add('s', '1-0') as HeldEntry,
  };
  const calls: string[] = [];
  const outcomes = {
    ack: () => void calls.push('ack'),
    retry: (_d: Delivery, delayMs: number) => Promise.resolve(void calls.push(`retry ${delayMs}`)),
    deadLetter: (_d: Delivery, cause: { reason: string }) =>
      Promise.resolve(void calls.push(`dlq ${cause.reason}`)),
  } as unknown as Outcomes;

  beforeEach(() => (calls.length = 0));

  it('settles once: a second call is refused', async () => {
    const settlement = new Settlement(delivery, 'p', DEFAULT_DELIVERY_POLICY, outcomes);
    await settlement.control.retry({ delayMs: 5 });
    await expect(settlement.control.ack()).rejects.toThrow(/already settled/);
    expect(settlement.settleByTransport()).toBe(false);
    expect(calls).toEqual(['retry 5']);
  });

  it('ctx.retry refuses a delay that is not an integer from 0 to 7 days, before settling anything', async () => {
    const settlement = new Settlement(delivery, 'p', DEFAULT_DELIVERY_POLICY, outcomes);
    for (const delayMs of [Infinity, Number.NaN, -1, 1.5, 7 * 24 * 3600 * 1000 + 1]) {
      await expect(settlement.control.retry({ delayMs })).rejects.toThrow(
        /delayMs must be an integer from 0 to 604800000 \(7 days\)/,
      );
    }
    expect(settlement.settled).toBe(false);
    expect(calls).toEqual([]);
    // Still the transport's (or the handler's) to settle.
    await settlement.control.retry({ delayMs: 7 * 24 * 3600 * 1000 });
    expect(calls).toEqual(['retry 604800000']);
  });

  it('once the transport settled it, a late ctx call is refused', async () => {
    const settlement = new Settlement(delivery, 'p', DEFAULT_DELIVERY_POLICY, outcomes);
    expect(settlement.settleByTransport()).toBe(true);
    await expect(settlement.control.deadLetter('late')).rejects.toThrow(/already settled/);
    expect(calls).toEqual([]);
  });
});
