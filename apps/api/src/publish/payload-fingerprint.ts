import { createHash } from 'node:crypto';

/**
 * SHA-256 (hex) of an event's type and payload in canonical JSON (object keys sorted at every level), so the same
 * event sent again with its keys in another order has the same fingerprint, and any other event has another.
 */
export function payloadFingerprint(type: string, payload: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([type, canonical(payload)]), 'utf8')
    .digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(canonical);
  }
  if (typeof value === 'object' && value !== null) {
    const source = value as Record<string, unknown>;
    return Object.keys(source)
      .sort()
      .map((key) => [key, canonical(source[key])]);
  }
  return value;
}
