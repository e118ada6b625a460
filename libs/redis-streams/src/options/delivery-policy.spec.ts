import {
  DEFAULT_DELIVERY_POLICY,
  MAX_RETRY_DELAY_MS,
  backoffDelay,
  deliveryPolicy,
  resolveDeliveryPolicy,
  validRetryDelay,
} from './delivery-policy';

describe('delivery policy', () => {
  const exponential = { type: 'exponential', baseMs: 100, factor: 2, maxMs: 1000, jitter: 'none' } as const;

  it('a manual retry delay is an integer from 0 to 7 days', () => {
    expect(MAX_RETRY_DELAY_MS).toBe(604_800_000);
    for (const ok of [0, 1, 60_000, MAX_RETRY_DELAY_MS]) {
      expect(validRetryDelay(ok)).toBe(ok);
    }
    for (const bad of [Infinity, -Infinity, Number.NaN, -1, 0.5, MAX_RETRY_DELAY_MS + 1, '100', null]) {
      expect(() => validRetryDelay(bad)).toThrow(
        /ctx\.retry: delayMs must be an integer from 0 to 604800000/,
      );
    }
  });

  it('grows exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(exponential, n))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('fixed backoff stays put', () => {
    expect([1, 5].map((n) => backoffDelay({ ...exponential, type: 'fixed' }, n))).toEqual([100, 100]);
  });

  it('full jitter picks from 0 to the computed delay', () => {
    const full = { ...exponential, jitter: 'full' } as const;
    expect(backoffDelay(full, 3, () => 0)).toBe(0);
    expect(backoffDelay(full, 3, () => 0.5)).toBe(200);
    expect(backoffDelay(full, 3, () => 0.999)).toBeLessThanOrEqual(400);
  });

  it('merges a handler policy over the defaults', () => {
    const policy = resolveDeliveryPolicy(
      DEFAULT_DELIVERY_POLICY,
      { maxDeliveries: 3, backoff: { baseMs: 10 } },
      'h',
    );
    expect(policy).toEqual({
      maxDeliveries: 3,
      backoff: { ...DEFAULT_DELIVERY_POLICY.backoff, baseMs: 10 },
      handlerTimeoutMs: undefined,
      autoAck: true,
    });
    expect(resolveDeliveryPolicy(DEFAULT_DELIVERY_POLICY, undefined, 'h')).toBe(DEFAULT_DELIVERY_POLICY);
  });

  it.each([
    [{ maxDeliveries: 0 }, /maxDeliveries/],
    [{ backoff: { factor: 0.5 } }, /factor/],
    [{ backoff: { baseMs: 10, maxMs: 5 } }, /maxMs/],
    [{ backoff: { type: 'linear' as 'fixed' } }, /type/],
    [{ handlerTimeoutMs: 0 }, /handlerTimeoutMs/],
  ])('refuses %p', (override, message) => {
    expect(() => resolveDeliveryPolicy(DEFAULT_DELIVERY_POLICY, override, 'h')).toThrow(message);
  });

  it('deliveryPolicy() builds typed @EventPattern extras', () => {
    expect(deliveryPolicy({ maxDeliveries: 2 })).toEqual({ redisStreams: { maxDeliveries: 2 } });
  });
});
