import { InvalidEventError, InvalidOptionsError } from '../errors/redis-streams.error';
import { assertInteger } from './connection-options';

/** Options of an idempotent handler (`@Idempotent({ ttlMs })`, `deliveryPolicy({ idempotent: { ttlMs } })`). */
export interface IdempotentOptions {
  /**
   * How long the handler's "done" marker of an event is kept after its successful commit (ms): a redelivery or a
   * producer duplicate of the event within that time is acknowledged without running the handler. Default 24 h.
   */
  ttlMs?: number;
}

/** An idempotent handler's options with defaults applied. */
export interface ResolvedIdempotentOptions {
  ttlMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Defaults and bounds of idempotency, in one place (DEFAULT_CLIENT_OPTIONS takes its window from here). */
export const IDEMPOTENCY_DEFAULTS = {
  /** Default `ttlMs` of an idempotent handler's markers: 24 h. */
  handlerTtlMs: DAY_MS,
  /** Default `idempotencyWindowMs` of a client: 24 h. */
  emitWindowMs: DAY_MS,
  /** Longest marker life accepted (handler `ttlMs`, emit `idempotencyWindowMs`): 365 days. */
  maxMarkerMs: 365 * DAY_MS,
  /** Longest `idempotencyKey` accepted (UTF-16 code units). */
  maxKeyLength: 512,
} as const;

/**
 * What a handler may queue with `ctx.getEffects()`: checked as the handler queues, so an effect list that cannot be
 * run fails the handler (retried like any failure) instead of the commit.
 */
export const EFFECT_LIMITS = {
  /** Commands per delivery. */
  maxCommands: 1000,
  /** Arguments per command, its name included (Lua unpacks about 8000 values at most). */
  maxArgs: 1000,
  /** Bytes of all names and arguments together. */
  maxBytes: 4 * 1024 * 1024,
} as const;

/** The extras key `@Idempotent` also writes, because `@EventPattern` replaces the `redisStreams` key it finds. */
export const IDEMPOTENT_EXTRAS_KEY = 'redisStreamsIdempotent';

/**
 * The `idempotent` setting of a delivery policy, validated: `true` → the default TTL, `false` → off, an object → its
 * `ttlMs` (default 24 h); undefined keeps `inherited`. `where` names the source in errors.
 */
export function resolveIdempotent(
  value: IdempotentOptions | boolean | undefined,
  inherited: ResolvedIdempotentOptions | undefined,
  where: string,
): ResolvedIdempotentOptions | undefined {
  if (value === undefined) {
    return inherited;
  }
  if (value === false) {
    return undefined;
  }
  if (value === true) {
    return { ttlMs: IDEMPOTENCY_DEFAULTS.handlerTtlMs };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionsError(`${where}.idempotent must be true, false or { ttlMs }`);
  }
  const ttlMs = value.ttlMs ?? IDEMPOTENCY_DEFAULTS.handlerTtlMs;
  assertInteger(`${where}.idempotent.ttlMs`, ttlMs, 1, IDEMPOTENCY_DEFAULTS.maxMarkerMs);
  return { ttlMs };
}

/** Validates a client's `idempotencyWindowMs` (InvalidOptionsError naming it). */
export function assertEmitWindow(name: string, windowMs: number): void {
  assertInteger(name, windowMs, 1, IDEMPOTENCY_DEFAULTS.maxMarkerMs);
}

/** What an emit with an idempotency key needs: the key and the window its marker lives. */
export interface EmitIdempotency {
  key: string;
  windowMs: number;
}

/**
 * The idempotency of one emit from its record options, or undefined without a key. Throws InvalidEventError (the
 * emit writes nothing) for a key that is not a non-empty string of at most 512 characters or a window that is not an
 * integer from 1 ms to 365 days.
 */
export function emitIdempotencyOf(
  options: { idempotencyKey?: unknown; idempotencyWindowMs?: unknown } | undefined,
  defaultWindowMs: number,
): EmitIdempotency | undefined {
  const key = options?.idempotencyKey;
  const window = options?.idempotencyWindowMs;
  if (key === undefined) {
    if (window !== undefined) {
      throw new InvalidEventError('idempotencyWindowMs needs an idempotencyKey');
    }
    return undefined;
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > IDEMPOTENCY_DEFAULTS.maxKeyLength) {
    throw new InvalidEventError(
      `idempotencyKey must be a non-empty string of at most ${IDEMPOTENCY_DEFAULTS.maxKeyLength} characters`,
    );
  }
  if (window === undefined) {
    return { key, windowMs: defaultWindowMs };
  }
  if (
    typeof window !== 'number' ||
    !Number.isInteger(window) ||
    window < 1 ||
    window > IDEMPOTENCY_DEFAULTS.maxMarkerMs
  ) {
    throw new InvalidEventError(
      `idempotencyWindowMs must be an integer from 1 to ${IDEMPOTENCY_DEFAULTS.maxMarkerMs} (365 days) ` +
        `(got ${typeof window === 'number' ? String(window) : typeof window})`,
    );
  }
  return { key, windowMs: window };
}
