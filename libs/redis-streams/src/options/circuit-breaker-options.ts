import { InvalidOptionsError } from '../errors/redis-streams.error';
import { assertInteger } from './connection-options';

/**
 * A handler's circuit breaker (per process, per group and handler): after enough transient failures its deliveries
 * are deferred — kept pending in the group's retry schedule, no delivery counted — while the rest of the stream keeps
 * flowing; after `openMs` a few probes run, success closes it, failure reopens it for twice as long (up to
 * `maxOpenMs`). It trips on `consecutiveFailures` in a row, or on a `failureRatio` over `windowMs` (once
 * `minimumCalls` calls were seen there), or on whichever comes first when both are set. Only transient failures count
 * (the handler threw, rejected or timed out), never permanent ones (validation, UnrecoverableEventError).
 */
export interface CircuitBreakerOptions {
  /** Opens after this many transient failures in a row. Default 5 when `failureRatio` is not set either. */
  consecutiveFailures?: number;
  /** Opens when failures / calls over the last `windowMs` reach this ratio (0 < ratio ≤ 1). Default: not used. */
  failureRatio?: number;
  /** The sliding window of `failureRatio` (ms). Default 60000. */
  windowMs?: number;
  /** Calls the window must hold before `failureRatio` can open the circuit. Default 10. */
  minimumCalls?: number;
  /** How long the circuit stays open before its first probe (ms). Default 10000. */
  openMs?: number;
  /** Longest open time after failed probes (each failed probe doubles it) (ms). Default 300000 (5 min). */
  maxOpenMs?: number;
  /** Deliveries let through at once as probes while half-open; that many successes close the circuit. Default 1. */
  halfOpenProbes?: number;
}

/** A circuit breaker's settings with every default applied (`consecutiveFailures`/`failureRatio` may stay unset). */
export interface CircuitBreakerSettings {
  consecutiveFailures: number | undefined;
  failureRatio: number | undefined;
  windowMs: number;
  minimumCalls: number;
  openMs: number;
  maxOpenMs: number;
  halfOpenProbes: number;
}

/** Defaults of the circuit breaker, in one place (`consecutiveFailures` applies when no trip rule is given). */
export const DEFAULT_CIRCUIT_BREAKER = {
  consecutiveFailures: 5,
  windowMs: 60_000,
  minimumCalls: 10,
  openMs: 10_000,
  maxOpenMs: 300_000,
  halfOpenProbes: 1,
} as const;

/** Longest open time: a deferred delivery waits in the retry schedule, which holds nothing longer than 7 days. */
const MAX_OPEN_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Merges a handler's `circuitBreaker` option over the server default (`base`) and validates it; `where` names the
 * option in errors. `false` turns the breaker off (also when the server default has one); undefined keeps `base`;
 * an object turns it on with its values over `base`'s (or the defaults). The trip rules are taken together: a handler
 * that sets either rule replaces both of the default's.
 */
export function resolveCircuitBreaker(
  base: CircuitBreakerSettings | undefined,
  override: CircuitBreakerOptions | false | undefined,
  where: string,
): CircuitBreakerSettings | undefined {
  if (override === undefined) {
    return base;
  }
  if (override === false) {
    return undefined;
  }
  if (override === null || typeof override !== 'object' || Array.isArray(override)) {
    throw new InvalidOptionsError(`${where} must be an object or false`);
  }
  const ownRule = override.consecutiveFailures !== undefined || override.failureRatio !== undefined;
  const rules = ownRule
    ? { consecutiveFailures: override.consecutiveFailures, failureRatio: override.failureRatio }
    : base
      ? { consecutiveFailures: base.consecutiveFailures, failureRatio: base.failureRatio }
      : { consecutiveFailures: DEFAULT_CIRCUIT_BREAKER.consecutiveFailures, failureRatio: undefined };
  const settings: CircuitBreakerSettings = {
    ...rules,
    windowMs: override.windowMs ?? base?.windowMs ?? DEFAULT_CIRCUIT_BREAKER.windowMs,
    minimumCalls: override.minimumCalls ?? base?.minimumCalls ?? DEFAULT_CIRCUIT_BREAKER.minimumCalls,
    openMs: override.openMs ?? base?.openMs ?? DEFAULT_CIRCUIT_BREAKER.openMs,
    maxOpenMs: override.maxOpenMs ?? base?.maxOpenMs ?? DEFAULT_CIRCUIT_BREAKER.maxOpenMs,
    halfOpenProbes: override.halfOpenProbes ?? base?.halfOpenProbes ?? DEFAULT_CIRCUIT_BREAKER.halfOpenProbes,
  };
  if (override.maxOpenMs === undefined && settings.maxOpenMs < settings.openMs) {
    settings.maxOpenMs = Math.min(MAX_OPEN_MS, Math.max(settings.openMs, DEFAULT_CIRCUIT_BREAKER.maxOpenMs));
  }
  if (settings.consecutiveFailures !== undefined) {
    assertInteger(`${where}.consecutiveFailures`, settings.consecutiveFailures, 1, 100_000);
  }
  if (settings.failureRatio !== undefined) {
    const ratio = settings.failureRatio;
    if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
      throw new InvalidOptionsError(`${where}.failureRatio must be a number above 0 and at most 1`);
    }
  }
  assertInteger(`${where}.windowMs`, settings.windowMs, 100, 24 * 60 * 60 * 1000);
  assertInteger(`${where}.minimumCalls`, settings.minimumCalls, 1, 1_000_000);
  assertInteger(`${where}.openMs`, settings.openMs, 10, MAX_OPEN_MS);
  assertInteger(`${where}.maxOpenMs`, settings.maxOpenMs, settings.openMs, MAX_OPEN_MS);
  assertInteger(`${where}.halfOpenProbes`, settings.halfOpenProbes, 1, 10_000);
  return settings;
}
