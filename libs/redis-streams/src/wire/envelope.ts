import { randomUUID } from 'node:crypto';
import { InvalidEventError } from '../errors/redis-streams.error';
import { EXPIRY_HEADER, expiryHeaderValue } from './expiry';
import { jsonDepthExceeds } from './safe-json';

/** Field names of the wire format, shared with the Python producers already writing to Redis. */
export const ENVELOPE_FIELDS = {
  type: 'type',
  data: 'data',
  eventId: 'event_id',
  timestamp: 'timestamp',
  headers: 'headers',
} as const;

/** The set of field names that belong to the envelope; any other field is an "extra" field. */
export const ENVELOPE_FIELD_NAMES: ReadonlySet<string> = new Set(Object.values(ENVELOPE_FIELDS));

/** What goes into one entry besides the payload. */
export interface EnvelopeMeta {
  eventId?: string;
  headers?: Readonly<Record<string, string>>;
  timestamp?: Date;
  /** Time-to-live (ms): written as the `expires_at` header, `timestamp` + `ttlMs`. */
  ttlMs?: number;
}

/** Limits applied when encoding. */
export interface EncodeLimits {
  maxPayloadBytes: number;
  maxDepth: number;
}

/**
 * Builds the field/value list of one XADD. Throws {@link InvalidEventError} (and writes nothing) for an empty
 * pattern, a payload JSON cannot represent (BigInt, cycles, too deep) or one over the size cap.
 */
export function encodeEnvelope(
  pattern: string,
  data: unknown,
  meta: EnvelopeMeta,
  limits: EncodeLimits,
): string[] {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new InvalidEventError('pattern must be a non-empty string');
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'unserialisable';
    throw new InvalidEventError(`payload of "${pattern}" cannot be serialised as JSON: ${why}`, {
      cause: error,
    });
  }
  if (json === undefined) {
    throw new InvalidEventError(`payload of "${pattern}" cannot be serialised as JSON (got ${typeof data})`);
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > limits.maxPayloadBytes) {
    throw new InvalidEventError(
      `payload of "${pattern}" is ${bytes} bytes, over the ${limits.maxPayloadBytes}-byte limit`,
    );
  }
  if (jsonDepthExceeds(json, limits.maxDepth)) {
    throw new InvalidEventError(`payload of "${pattern}" is nested deeper than ${limits.maxDepth}`);
  }
  const timestamp = meta.timestamp ?? new Date();
  const fields = [
    ENVELOPE_FIELDS.type,
    pattern,
    ENVELOPE_FIELDS.data,
    json,
    ENVELOPE_FIELDS.eventId,
    meta.eventId ?? randomUUID(),
    ENVELOPE_FIELDS.timestamp,
    timestamp.toISOString(),
  ];
  const headers =
    meta.ttlMs === undefined
      ? meta.headers
      : { ...meta.headers, [EXPIRY_HEADER]: expiryHeaderValue(timestamp, meta.ttlMs) };
  if (headers && hasKeys(headers)) {
    fields.push(ENVELOPE_FIELDS.headers, JSON.stringify(headers));
  }
  return fields;
}

/** True when `record` has an own enumerable key (without allocating a key list). */
export function hasKeys(record: Readonly<Record<string, string>>): boolean {
  for (const key in record) {
    if (Object.prototype.hasOwnProperty.call(record, key)) {
      return true;
    }
  }
  return false;
}
