import { InvalidOptionsError } from '../errors/redis-streams.error';
import {
  CircuitBreakerOptions,
  CircuitBreakerSettings,
  resolveCircuitBreaker,
} from './circuit-breaker-options';
import { assertInteger } from './connection-options';
import {
  IDEMPOTENT_EXTRAS_KEY,
  IdempotentOptions,
  ResolvedIdempotentOptions,
  resolveIdempotent,
} from './idempotency-options';

/** How the wait before a retry grows. */
export interface BackoffOptions {
  /** `exponential`: base × factor^(failures − 1), capped at `maxMs`; `fixed`: always `baseMs`. */
  type?: 'exponential' | 'fixed';
  /** First delay (ms). Default 1000. */
  baseMs?: number;
  /** Growth per failure (exponential). Default 2. */
  factor?: number;
  /** Longest delay (ms). Default 60000. */
  maxMs?: number;
  /** `full`: a random delay from 0 to the computed one (spreads a thundering herd); `none`: exactly it. Default full. */
  jitter?: 'full' | 'none';
}

/** Per-handler delivery policy; module defaults come from the server's `delivery` option. */
export interface DeliveryPolicyOptions {
  /** Deliveries (first + retries + crash redeliveries) before an entry is dead-lettered. Default 5. */
  maxDeliveries?: number;
  backoff?: BackoffOptions;
  /** A handler still running after this long counts as failed (its late result is ignored). Default: no limit. */
  handlerTimeoutMs?: number;
  /**
   * `false`: the handler settles each delivery itself with `ctx.ack()`, `ctx.retry()` or `ctx.deadLetter()`; one it
   * leaves unsettled stays pending and is redelivered after `minIdleMs`. A failure is still retried. Default true.
   */
  autoAck?: boolean;
  /** Pauses the handler's deliveries after repeated transient failures (see {@link CircuitBreakerOptions}). Default off. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /**
   * Skip events this group's handler has handled already and apply its `ctx.getEffects()` writes once (see
   * `@Idempotent`): `true` or `{ ttlMs }` (default 24 h) turns it on, `false` off (over a server default). Default off.
   */
  idempotent?: IdempotentOptions | boolean;
}

/** A policy with every default applied. */
export interface DeliveryPolicy {
  maxDeliveries: number;
  backoff: Required<BackoffOptions>;
  handlerTimeoutMs: number | undefined;
  autoAck: boolean;
  /** Undefined when the handler has no circuit breaker. */
  circuitBreaker: CircuitBreakerSettings | undefined;
  /** Set when the handler is idempotent. */
  idempotent: ResolvedIdempotentOptions | undefined;
}

/** Defaults of the delivery policy, in one place. */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  maxDeliveries: 5,
  backoff: { type: 'exponential', baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 'full' },
  handlerTimeoutMs: undefined,
  autoAck: true,
  circuitBreaker: undefined,
  idempotent: undefined,
};

/** The key under which a handler's policy rides in `@EventPattern(pattern, extras)`. */
export const POLICY_EXTRAS_KEY = 'redisStreams';

/**
 * Typed extras for `@EventPattern`: `@EventPattern('order.created', deliveryPolicy({ maxDeliveries: 3 }))`.
 * Nest keeps extras on the handler, so the policy travels with it (no parallel registry).
 */
export function deliveryPolicy(policy: DeliveryPolicyOptions): {
  [POLICY_EXTRAS_KEY]: DeliveryPolicyOptions;
} {
  return { [POLICY_EXTRAS_KEY]: policy };
}

/**
 * The policy options a handler's `@EventPattern` extras carry: the `redisStreams` key, with the `idempotent` setting
 * `@Idempotent` wrote beside it when `@EventPattern` replaced its copy in that key. The two may not disagree.
 */
export function policyOptionsOfExtras(
  extras: Readonly<Record<string, unknown>> | undefined,
  where: string,
): DeliveryPolicyOptions | undefined {
  const policy = extras?.[POLICY_EXTRAS_KEY] as DeliveryPolicyOptions | undefined;
  const decorated = extras?.[IDEMPOTENT_EXTRAS_KEY] as IdempotentOptions | undefined;
  if (decorated === undefined || (policy !== undefined && (policy === null || typeof policy !== 'object'))) {
    return policy;
  }
  const own = policy?.idempotent;
  if (own !== undefined && JSON.stringify(own) !== JSON.stringify(decorated)) {
    throw new InvalidOptionsError(
      `${where}: @Idempotent and deliveryPolicy({ idempotent }) disagree; set it in one place`,
    );
  }
  return { ...policy, idempotent: decorated };
}

/** Merges `override` over `base` and validates the result; `where` names the source in errors. */
export function resolveDeliveryPolicy(
  base: DeliveryPolicy,
  override: DeliveryPolicyOptions | undefined,
  where: string,
): DeliveryPolicy {
  if (override === undefined) {
    return base;
  }
  if (override === null || typeof override !== 'object') {
    throw new InvalidOptionsError(`${where}: delivery policy must be an object`);
  }
  const backoff = { ...base.backoff, ...definedOnly(override.backoff ?? {}) };
  const policy: DeliveryPolicy = {
    maxDeliveries: override.maxDeliveries ?? base.maxDeliveries,
    backoff,
    handlerTimeoutMs: override.handlerTimeoutMs ?? base.handlerTimeoutMs,
    autoAck: override.autoAck ?? base.autoAck,
    circuitBreaker: resolveCircuitBreaker(
      base.circuitBreaker,
      override.circuitBreaker,
      `${where}.circuitBreaker`,
    ),
    idempotent: resolveIdempotent(override.idempotent, base.idempotent, where),
  };
  assertInteger(`${where}.maxDeliveries`, policy.maxDeliveries, 1, 1000);
  assertInteger(`${where}.backoff.baseMs`, backoff.baseMs, 0);
  assertInteger(`${where}.backoff.maxMs`, backoff.maxMs, backoff.baseMs);
  if (!(backoff.factor >= 1) || !Number.isFinite(backoff.factor)) {
    throw new InvalidOptionsError(`${where}.backoff.factor must be a number ≥ 1`);
  }
  if (backoff.type !== 'exponential' && backoff.type !== 'fixed') {
    throw new InvalidOptionsError(`${where}.backoff.type must be exponential or fixed`);
  }
  if (backoff.jitter !== 'full' && backoff.jitter !== 'none') {
    throw new InvalidOptionsError(`${where}.backoff.jitter must be full or none`);
  }
  if (policy.handlerTimeoutMs !== undefined) {
    assertInteger(`${where}.handlerTimeoutMs`, policy.handlerTimeoutMs, 1);
  }
  return policy;
}

/** Longest delay `ctx.retry({ delayMs })` accepts: 7 days. A retry further away is a job for a scheduler. */
export const MAX_RETRY_DELAY_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Returns `delayMs` when it is an integer from 0 to {@link MAX_RETRY_DELAY_MS}, else throws InvalidOptionsError:
 * an Infinity or NaN delay would park the event in the retry schedule for ever.
 */
export function validRetryDelay(delayMs: unknown): number {
  if (
    typeof delayMs !== 'number' ||
    !Number.isInteger(delayMs) ||
    delayMs < 0 ||
    delayMs > MAX_RETRY_DELAY_MS
  ) {
    const got = typeof delayMs === 'number' ? String(delayMs) : typeof delayMs;
    throw new InvalidOptionsError(
      `ctx.retry: delayMs must be an integer from 0 to ${MAX_RETRY_DELAY_MS} (7 days) (got ${got}); ` +
        'the delivery is not settled',
    );
  }
  return delayMs;
}

/**
 * The wait before the next delivery after `failures` failed deliveries (1 after the first failure).
 * `random` is injectable for tests.
 */
export function backoffDelay(
  backoff: Required<BackoffOptions>,
  failures: number,
  random = Math.random,
): number {
  const exponent = Math.max(0, failures - 1);
  const computed =
    backoff.type === 'fixed'
      ? backoff.baseMs
      : Math.min(backoff.maxMs, backoff.baseMs * backoff.factor ** exponent);
  const capped = Math.min(backoff.maxMs, computed);
  return Math.round(backoff.jitter === 'full' ? random() * capped : capped);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
