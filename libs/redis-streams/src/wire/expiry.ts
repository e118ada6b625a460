/**
 * Message TTL on the wire: an event's expiry travels as one header of the envelope's `headers` JSON, so readers that
 * do not know it (older releases, the Python services) simply ignore it.
 */

/** The header holding an event's expiry: ISO-8601 UTC time (`2026-11-03T10:15:30.000Z`), producer's clock. */
export const EXPIRY_HEADER = 'expires_at';

/** The `expires_at` value of an event written at `timestamp` that lives `ttlMs`. */
export function expiryHeaderValue(timestamp: Date, ttlMs: number): string {
  return new Date(timestamp.getTime() + ttlMs).toISOString();
}

/**
 * The expiry (ms since the epoch) an entry's headers carry, or undefined when there is none or it does not parse as a
 * date (such an entry is handled as if it had no expiry: a malformed header must not drop an event).
 */
export function expiryOf(headers: Readonly<Record<string, string>>): number | undefined {
  const value = headers[EXPIRY_HEADER];
  if (value === undefined) {
    return undefined;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}
