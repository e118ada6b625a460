import { InvalidEventError, InvalidOptionsError } from '../errors/redis-streams.error';
import { DEFAULT_CLIENT_OPTIONS, resolveClientOptions } from './client-options';
import { DEFAULT_DELIVERY_POLICY, resolveDeliveryPolicy } from './delivery-policy';
import { IDEMPOTENCY_DEFAULTS, emitIdempotencyOf, resolveIdempotent } from './idempotency-options';

const DAY = 86_400_000;

describe('idempotency options', () => {
  it('defaults: 24 h for a handler marker and an emit window, at most 365 days', () => {
    expect(IDEMPOTENCY_DEFAULTS).toMatchObject({
      handlerTtlMs: DAY,
      emitWindowMs: DAY,
      maxMarkerMs: 365 * DAY,
    });
    expect(DEFAULT_CLIENT_OPTIONS.idempotencyWindowMs).toBe(DAY);
    expect(resolveClientOptions({}).idempotencyWindowMs).toBe(DAY);
  });

  it('resolves a handler setting: true, false, { ttlMs }, or inherited', () => {
    expect(resolveIdempotent(true, undefined, 'h')).toEqual({ ttlMs: DAY });
    expect(resolveIdempotent({}, undefined, 'h')).toEqual({ ttlMs: DAY });
    expect(resolveIdempotent({ ttlMs: 5 }, undefined, 'h')).toEqual({ ttlMs: 5 });
    expect(resolveIdempotent(false, { ttlMs: 5 }, 'h')).toBeUndefined();
    expect(resolveIdempotent(undefined, { ttlMs: 5 }, 'h')).toEqual({ ttlMs: 5 });
    // A server-wide default applies to every handler; one handler opts out.
    const server = resolveDeliveryPolicy(
      DEFAULT_DELIVERY_POLICY,
      { idempotent: { ttlMs: 60_000 } },
      'delivery',
    );
    expect(resolveDeliveryPolicy(server, {}, 'h').idempotent).toEqual({ ttlMs: 60_000 });
    expect(resolveDeliveryPolicy(server, { idempotent: false }, 'h').idempotent).toBeUndefined();
  });

  it.each([
    [{ ttlMs: 0 }, /h\.idempotent\.ttlMs must be an integer from 1 to 31536000000/],
    [{ ttlMs: 1.5 }, /h\.idempotent\.ttlMs/],
    [{ ttlMs: 365 * DAY + 1 }, /h\.idempotent\.ttlMs/],
    [{ ttlMs: '1000' }, /h\.idempotent\.ttlMs/],
    ['yes', /h\.idempotent must be true, false or \{ ttlMs \}/],
    [null, /h\.idempotent must be true, false or \{ ttlMs \}/],
  ])('refuses the handler setting %p', (value, message) => {
    const call = (): unknown => resolveIdempotent(value as never, undefined, 'h');
    expect(call).toThrow(InvalidOptionsError);
    expect(call).toThrow(message);
  });

  it('validates the client window, naming it', () => {
    expect(resolveClientOptions({ idempotencyWindowMs: 1 }).idempotencyWindowMs).toBe(1);
    for (const idempotencyWindowMs of [0, -5, 2.5, Number.NaN, Infinity, 365 * DAY + 1]) {
      expect(() => resolveClientOptions({ idempotencyWindowMs })).toThrow(InvalidOptionsError);
      expect(() => resolveClientOptions({ idempotencyWindowMs })).toThrow(
        /^idempotencyWindowMs must be an integer/,
      );
    }
  });

  it('reads an emit key and window; nothing without a key', () => {
    expect(emitIdempotencyOf(undefined, 10)).toBeUndefined();
    expect(emitIdempotencyOf({}, 10)).toBeUndefined();
    expect(emitIdempotencyOf({ idempotencyKey: 'order-1' }, 10)).toEqual({ key: 'order-1', windowMs: 10 });
    expect(emitIdempotencyOf({ idempotencyKey: 'k', idempotencyWindowMs: 99 }, 10)).toEqual({
      key: 'k',
      windowMs: 99,
    });
    expect(emitIdempotencyOf({ idempotencyKey: 'x'.repeat(512) }, 10)?.key).toHaveLength(512);
  });

  it.each([
    [{ idempotencyKey: '' }, /idempotencyKey must be a non-empty string of at most 512/],
    [{ idempotencyKey: 'x'.repeat(513) }, /idempotencyKey must be a non-empty string/],
    [{ idempotencyKey: 42 }, /idempotencyKey must be a non-empty string/],
    [{ idempotencyKey: 'k', idempotencyWindowMs: 0 }, /idempotencyWindowMs must be an integer from 1/],
    [{ idempotencyKey: 'k', idempotencyWindowMs: 1.5 }, /idempotencyWindowMs must be an integer/],
    [
      { idempotencyKey: 'k', idempotencyWindowMs: '60000' },
      /idempotencyWindowMs must be an integer .*got string/,
    ],
    [{ idempotencyWindowMs: 1000 }, /idempotencyWindowMs needs an idempotencyKey/],
  ])('refuses the emit options %p', (options, message) => {
    expect(() => emitIdempotencyOf(options, 10)).toThrow(InvalidEventError);
    expect(() => emitIdempotencyOf(options, 10)).toThrow(message);
  });
});
