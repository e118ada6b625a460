/** The parts of a W3C `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header). */
export interface ParsedTraceparent {
  /** Two lowercase hex digits; this library writes `00`. */
  version: string;
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits (the parent span), not all zero. */
  spanId: string;
  /** The trace flags byte (bit 0: sampled). */
  traceFlags: number;
}

const VERSION_00_LENGTH = 55;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Parses a `traceparent` value; undefined when it is not valid: wrong shape, upper-case hex, version `ff`, an
 * all-zero trace or span id. Versions above `00` are read as `00` (their first 55 characters), as the spec asks.
 */
export function parseTraceparent(value: string | undefined | null): ParsedTraceparent | undefined {
  if (typeof value !== 'string' || value.length < VERSION_00_LENGTH) {
    return undefined;
  }
  const version = value.slice(0, 2);
  if (
    version === '00'
      ? value.length !== VERSION_00_LENGTH
      : value.length > VERSION_00_LENGTH && value[55] !== '-'
  ) {
    return undefined;
  }
  const match = TRACEPARENT.exec(value.slice(0, VERSION_00_LENGTH));
  if (!match || version === 'ff') {
    return undefined;
  }
  const [, , traceId, spanId, flags] = match;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) {
    return undefined;
  }
  return { version, traceId, spanId, traceFlags: parseInt(flags, 16) };
}

/** True when `value` is a valid `traceparent`. */
export function isValidTraceparent(value: string | undefined | null): value is string {
  return parseTraceparent(value) !== undefined;
}

/**
 * Formats a version-`00` `traceparent`. Throws a TypeError for an invalid trace id, span id or flags (an all-zero id
 * is invalid), so a bad header is never written.
 */
export function formatTraceparent(
  parts: Pick<ParsedTraceparent, 'traceId' | 'spanId' | 'traceFlags'>,
): string {
  const { traceId, spanId, traceFlags } = parts;
  if (!TRACE_ID.test(traceId) || traceId === ZERO_TRACE_ID) {
    throw new TypeError('traceId must be 32 lowercase hex digits, not all zero');
  }
  if (!SPAN_ID.test(spanId) || spanId === ZERO_SPAN_ID) {
    throw new TypeError('spanId must be 16 lowercase hex digits, not all zero');
  }
  if (!Number.isInteger(traceFlags) || traceFlags < 0 || traceFlags > 0xff) {
    throw new TypeError('traceFlags must be an integer from 0 to 255');
  }
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/** The trace id of a `traceparent` value, or undefined when it is not valid. */
export function traceIdOf(traceparent: string | undefined | null): string | undefined {
  return parseTraceparent(traceparent)?.traceId;
}
