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
    succeed: () => void calls.push('ack'),
    retry: (_d: Delivery, delayMs: number) => Promise.resolve(void calls.push(`retry ${delayMs}`)),
    deadLetter: (_d: Delivery, cause: { reason: string }) =>
      Promise.resolve(void calls.push(`dlq ${cause.reason}`)),
  } as unknown as Outcomes;

  beforeEach(() => (calls.length = 0));

  it('settles once: a second call is refused', async () => {
    const settlement = new Settlement(delivery, outcomes, 'p', DEFAULT_DELIVERY_POLICY);
    await settlement.retry({ delayMs: 5 });
    await expect(settlement.ack()).rejects.toThrow(/already settled/);
    await settlement.succeed(); // the transport's own outcome after the handler: nothing more
    expect(calls).toEqual(['retry 5']);
  });

  it('ctx.retry refuses a delay that is not an integer from 0 to 7 days, before settling anything', async () => {
    const settlement = new Settlement(delivery, outcomes, 'p', DEFAULT_DELIVERY_POLICY);
    for (const delayMs of [Infinity, Number.NaN, -1, 1.5, 7 * 24 * 3600 * 1000 + 1]) {
      await expect(settlement.retry({ delayMs })).rejects.toThrow(
        /delayMs must be an integer from 0 to 604800000 \(7 days\)/,
      );
    }
    expect(settlement.settled).toBe(false);
    expect(calls).toEqual([]);
    // Still the transport's (or the handler's) to settle.
    await settlement.retry({ delayMs: 7 * 24 * 3600 * 1000 });
    expect(calls).toEqual(['retry 604800000']);
  });

  it('once the transport settled it, a late ctx call is refused', async () => {
    const settlement = new Settlement(delivery, outcomes, 'p', DEFAULT_DELIVERY_POLICY);
    await settlement.succeed();
    await expect(settlement.deadLetter('late')).rejects.toThrow(/already settled/);
    expect(calls).toEqual(['ack']);
  });

  it('a failure is retried with the backoff, or dead-lettered when permanent or out of deliveries', async () => {
    const policy = {
      ...DEFAULT_DELIVERY_POLICY,
      maxDeliveries: 2,
      backoff: { ...DEFAULT_DELIVERY_POLICY.backoff, jitter: 'none' as const },
    };
    const failure = {
      reason: 'handler-error' as const,
      permanent: false,
      errorClass: 'Error',
      message: 'x',
      stack: undefined,
      constraints: undefined,
    };
    expect(await new Settlement(delivery, outcomes, 'p', policy).fail(failure)).toBe(true);
    expect(await new Settlement({ ...delivery, deliveryCount: 2 }, outcomes, 'p', policy).fail(failure)).toBe(
      true,
    );
    await new Settlement(delivery, outcomes, 'p', policy).fail({
      ...failure,
      reason: 'unrecoverable',
      permanent: true,
    });
    expect(calls).toEqual([
      `retry ${DEFAULT_DELIVERY_POLICY.backoff.baseMs}`,
      'dlq max-deliveries',
      'dlq unrecoverable',
    ]);
  });

  it('the transport does nothing once the handler settled the delivery itself', async () => {
    const settlement = new Settlement(delivery, outcomes, 'p', DEFAULT_DELIVERY_POLICY);
    await settlement.deadLetter('mine');
    expect(
      await settlement.fail({
        reason: 'handler-error',
        permanent: false,
        errorClass: 'Error',
        message: 'x',
        stack: undefined,
        constraints: undefined,
      }),
    ).toBe(false);
    settlement.skip();
    await settlement.reject({ reason: 'no-handler', errorClass: 'NoHandlerError', message: 'x' });
    expect(calls).toEqual(['dlq manual']);
  });
});
