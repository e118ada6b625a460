import { InvalidEventError, InvalidOptionsError } from '../errors/redis-streams.error';
import type { EntryCodec } from './routing-options';
import type { WriteCodec } from './write-options';

/** What a consumer does with an entry delivered after its expiry: acknowledge it (counted) or dead-letter it. */
export type OnExpired = 'ack' | 'dead-letter';

/** Longest time-to-live accepted (ms): 365 days. */
export const MAX_TTL_MS = 365 * 24 * 60 * 60 * 1000;

/** The message-TTL options of a route, validated (`onExpired` only when not the default `ack`). */
export interface ResolvedExpiryOptions {
  ttlMs?: number;
  onExpired?: 'dead-letter';
}

/** What {@link resolveExpiryOptions} reads of a route. */
export interface ExpiryOptionsInput {
  ttlMs?: number;
  onExpired?: OnExpired;
  durable?: boolean;
}

/**
 * Validates a route's `ttlMs` (producer side: how long an event stays worth handling) and `onExpired` (consumer
 * side). A TTL travels in the envelope's headers: refused on a route written `flat` (no headers there) and on an
 * informational route (delivered at once or never); `onExpired` is refused where no entry can carry an expiry (a
 * route read `flat` only, an informational route).
 */
export function resolveExpiryOptions(
  route: ExpiryOptionsInput,
  at: string,
  codec: EntryCodec,
  writeCodec: WriteCodec,
): ResolvedExpiryOptions {
  const { ttlMs, onExpired } = route;
  if (ttlMs !== undefined) {
    if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) {
      throw new InvalidOptionsError(
        `${at}.ttlMs must be an integer from 1 to ${MAX_TTL_MS} (got ${String(ttlMs)})`,
      );
    }
    if (route.durable === false) {
      throw new InvalidOptionsError(
        `${at}.ttlMs: an informational route (durable: false) has no TTL (it is delivered at once or never)`,
      );
    }
    if (writeCodec === 'flat') {
      throw new InvalidOptionsError(
        `${at}.ttlMs needs writeCodec envelope: the expiry travels in the headers, and a flat entry has none`,
      );
    }
  }
  if (onExpired !== undefined) {
    if (onExpired !== 'ack' && onExpired !== 'dead-letter') {
      throw new InvalidOptionsError(`${at}.onExpired must be ack or dead-letter`);
    }
    if (route.durable === false || codec === 'flat') {
      throw new InvalidOptionsError(
        `${at}.onExpired: entries of this route never carry an expiry (${route.durable === false ? 'informational' : 'read flat: no headers'})`,
      );
    }
  }
  return {
    ...(ttlMs === undefined ? {} : { ttlMs }),
    ...(onExpired === 'dead-letter' ? { onExpired } : {}),
  };
}

/**
 * The TTL of one emit: the record's `ttlMs` when given (checked here: an integer from 1 to {@link MAX_TTL_MS}, else
 * InvalidEventError), else the route's.
 */
export function eventTtl(recordTtlMs: unknown, routeTtlMs: number | undefined): number | undefined {
  if (recordTtlMs === undefined) {
    return routeTtlMs;
  }
  if (
    typeof recordTtlMs !== 'number' ||
    !Number.isInteger(recordTtlMs) ||
    recordTtlMs < 1 ||
    recordTtlMs > MAX_TTL_MS
  ) {
    throw new InvalidEventError(
      `ttlMs must be an integer from 1 to ${MAX_TTL_MS} (got ${typeof recordTtlMs === 'number' ? String(recordTtlMs) : typeof recordTtlMs}); nothing was written`,
    );
  }
  return recordTtlMs;
}
