import { InvalidOptionsError } from '../errors/redis-streams.error';
import { DEFAULT_CIRCUIT_BREAKER, resolveCircuitBreaker } from './circuit-breaker-options';
import { DEFAULT_DELIVERY_POLICY, resolveDeliveryPolicy } from './delivery-policy';
import { resolveServerOptions } from './server-options';

describe('circuit breaker options', () => {
  it('is off by default, for the server and for every handler', () => {
    expect(DEFAULT_DELIVERY_POLICY.circuitBreaker).toBeUndefined();
    expect(resolveServerOptions({ group: 'g' }).delivery.circuitBreaker).toBeUndefined();
    expect(
      resolveDeliveryPolicy(DEFAULT_DELIVERY_POLICY, { maxDeliveries: 2 }, 'h').circuitBreaker,
    ).toBeUndefined();
  });

  it('{} turns it on with the defaults: 5 consecutive failures, 10 s open, up to 5 min, one probe', () => {
    expect(resolveCircuitBreaker(undefined, {}, 'cb')).toEqual({
      consecutiveFailures: 5,
      failureRatio: undefined,
      windowMs: 60_000,
      minimumCalls: 10,
      openMs: 10_000,
      maxOpenMs: 300_000,
      halfOpenProbes: 1,
    });
    expect(DEFAULT_CIRCUIT_BREAKER.consecutiveFailures).toBe(5);
  });

  it('a ratio alone replaces the default consecutive rule', () => {
    expect(resolveCircuitBreaker(undefined, { failureRatio: 0.5 }, 'cb')).toMatchObject({
      consecutiveFailures: undefined,
      failureRatio: 0.5,
    });
  });

  it('a server default applies to every handler; a handler merges over it or turns it off with false', () => {
    const server = resolveServerOptions({
      group: 'g',
      delivery: { circuitBreaker: { consecutiveFailures: 3, openMs: 500 } },
    }).delivery;
    expect(server.circuitBreaker).toMatchObject({ consecutiveFailures: 3, openMs: 500, maxOpenMs: 300_000 });
    expect(resolveDeliveryPolicy(server, { maxDeliveries: 2 }, 'h').circuitBreaker).toBe(
      server.circuitBreaker,
    );
    expect(
      resolveDeliveryPolicy(server, { circuitBreaker: { halfOpenProbes: 2 } }, 'h').circuitBreaker,
    ).toEqual({
      ...server.circuitBreaker,
      halfOpenProbes: 2,
    });
    expect(
      resolveDeliveryPolicy(server, { circuitBreaker: { failureRatio: 0.2 } }, 'h').circuitBreaker,
    ).toMatchObject({ consecutiveFailures: undefined, failureRatio: 0.2, openMs: 500 });
    expect(resolveDeliveryPolicy(server, { circuitBreaker: false }, 'h').circuitBreaker).toBeUndefined();
  });

  it('an openMs above the default maxOpenMs raises maxOpenMs to it when maxOpenMs is not given', () => {
    expect(resolveCircuitBreaker(undefined, { openMs: 600_000 }, 'cb')).toMatchObject({
      openMs: 600_000,
      maxOpenMs: 600_000,
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', 'yes', /^h\.circuitBreaker must be an object or false$/],
    ['an array', [], /^h\.circuitBreaker must be an object or false$/],
    [
      'consecutiveFailures 0',
      { consecutiveFailures: 0 },
      /h\.circuitBreaker\.consecutiveFailures must be an integer/,
    ],
    ['a fractional count', { consecutiveFailures: 1.5 }, /consecutiveFailures/],
    [
      'failureRatio 0',
      { failureRatio: 0 },
      /h\.circuitBreaker\.failureRatio must be a number above 0 and at most 1/,
    ],
    ['failureRatio over 1', { failureRatio: 1.5 }, /failureRatio/],
    ['failureRatio as text', { failureRatio: '0.5' }, /failureRatio/],
    ['windowMs too small', { windowMs: 10 }, /h\.circuitBreaker\.windowMs/],
    ['minimumCalls 0', { minimumCalls: 0 }, /h\.circuitBreaker\.minimumCalls/],
    ['openMs 0', { openMs: 0 }, /h\.circuitBreaker\.openMs/],
    [
      'maxOpenMs below openMs',
      { openMs: 1000, maxOpenMs: 500 },
      /h\.circuitBreaker\.maxOpenMs must be an integer from 1000/,
    ],
    ['maxOpenMs over 7 days', { maxOpenMs: 8 * 24 * 3600 * 1000 }, /maxOpenMs/],
    ['halfOpenProbes 0', { halfOpenProbes: 0 }, /h\.circuitBreaker\.halfOpenProbes/],
  ])('refuses %s with InvalidOptionsError naming the option', (_what, circuitBreaker, message) => {
    const resolve = (): unknown =>
      resolveDeliveryPolicy(DEFAULT_DELIVERY_POLICY, { circuitBreaker: circuitBreaker as never }, 'h');
    expect(resolve).toThrow(InvalidOptionsError);
    expect(resolve).toThrow(message);
  });

  it('a bad server default is refused at construction, naming delivery.circuitBreaker', () => {
    expect(() => resolveServerOptions({ group: 'g', delivery: { circuitBreaker: { openMs: -1 } } })).toThrow(
      /delivery\.circuitBreaker\.openMs/,
    );
  });
});
