import { isUtf8 } from 'node:buffer';
import { BadEntryError } from '../errors/bad-entry.error';
import { ResolvedRoute } from '../options/routing-options';
import { ENVELOPE_FIELDS, ENVELOPE_FIELD_NAMES } from './envelope';
import { parseJsonSafely } from './safe-json';

/** An entry turned into an event. */
export interface DecodedEntry {
  /** The pattern to dispatch on: the `type` field, or the route's only pattern. */
  pattern: string;
  data: unknown;
  eventId: string | undefined;
  timestamp: string | undefined;
  headers: Record<string, string>;
  /** Fields outside the envelope (seed 000 `job_id`, `metadata`; seed 004 `source`), as written. */
  extras: Record<string, string>;
}

/** Caps applied to what other producers wrote. */
export interface DecodeLimits {
  /** No single field value may be larger (bytes). */
  maxPayloadBytes: number;
  /** JSON nesting cap. */
  maxDepth: number;
}

const FORBIDDEN_FIELD_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Decodes the raw field list of one entry (as Buffers, so invalid UTF-8 is seen, not silently replaced).
 * Throws {@link BadEntryError} with a reason code; never returns a half-decoded event.
 */
export function decodeEntry(raw: Buffer[] | null, route: ResolvedRoute, limits: DecodeLimits): DecodedEntry {
  if (raw === null) {
    throw new BadEntryError('deleted', 'entry was deleted from the stream while pending');
  }
  const fields = toFieldMap(raw, limits);
  const codec =
    route.codec === 'auto' ? (fields.has(ENVELOPE_FIELDS.data) ? 'envelope' : 'flat') : route.codec;
  const pattern = patternOf(fields, route);
  if (codec === 'flat') {
    return {
      pattern,
      data: flatPayload(fields, route, limits),
      eventId: fields.get(ENVELOPE_FIELDS.eventId),
      timestamp: fields.get(ENVELOPE_FIELDS.timestamp),
      headers: {},
      extras: {},
    };
  }
  const data = fields.get(ENVELOPE_FIELDS.data);
  if (data === undefined) {
    throw new BadEntryError('missing-data', 'entry has no data field');
  }
  const extras: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (!ENVELOPE_FIELD_NAMES.has(name)) {
      extras[name] = value;
    }
  }
  return {
    pattern,
    data: parseJsonSafely(data, limits.maxDepth),
    eventId: fields.get(ENVELOPE_FIELDS.eventId),
    timestamp: fields.get(ENVELOPE_FIELDS.timestamp),
    headers: parseHeaders(fields.get(ENVELOPE_FIELDS.headers)),
    extras,
  };
}

function toFieldMap(raw: Buffer[], limits: DecodeLimits): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (value.length > limits.maxPayloadBytes) {
      throw new BadEntryError(
        'too-large',
        `field of ${value.length} bytes, over the ${limits.maxPayloadBytes}-byte cap`,
      );
    }
    if (!isUtf8(name) || !isUtf8(value)) {
      throw new BadEntryError('invalid-utf8', 'a field name or value is not valid UTF-8');
    }
    const key = name.toString();
    if (fields.has(key)) {
      throw new BadEntryError('duplicate-field', `field "${key.slice(0, 64)}" appears more than once`);
    }
    fields.set(key, value.toString());
  }
  return fields;
}

function patternOf(fields: Map<string, string>, route: ResolvedRoute): string {
  const type = fields.get(ENVELOPE_FIELDS.type);
  if (route.shared) {
    if (!type) {
      throw new BadEntryError('missing-type', 'entry on a shared stream has no type field');
    }
    return type;
  }
  // A single-pattern stream may omit `type`; a `type` naming another pattern is kept so it is seen as unknown.
  return type && route.codec !== 'flat' ? type : route.patterns[0];
}

function flatPayload(
  fields: Map<string, string>,
  route: ResolvedRoute,
  limits: DecodeLimits,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [name, value] of fields) {
    if (route.shared && name === ENVELOPE_FIELDS.type) {
      continue;
    }
    if (FORBIDDEN_FIELD_NAMES.has(name)) {
      throw new BadEntryError('prototype-pollution', `field name "${name}" is not allowed`);
    }
    payload[name] = flatValue(value, limits.maxDepth);
  }
  return payload;
}

/**
 * A flat field's value: JSON when it looks like an object or array and parses, else the text as written
 * (`[draft] notes` is text, not broken JSON). Depth and prototype keys are enforced either way.
 */
function flatValue(value: string, maxDepth: number): unknown {
  const first = value.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) {
    return value;
  }
  try {
    return parseJsonSafely(value, maxDepth);
  } catch (error) {
    if (error instanceof BadEntryError && error.reason === 'invalid-json') {
      return value;
    }
    throw error;
  }
}

/**
 * Headers are a flat JSON object of strings. Plain JSON.parse is enough here (and cheaper on the hot path): any
 * nested value is refused below, so depth cannot hurt, and `__proto__` is skipped rather than assigned.
 */
function parseHeaders(text: string | undefined): Record<string, string> {
  if (text === undefined || text === '') {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadEntryError('invalid-headers', 'headers must be a JSON object of strings');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadEntryError('invalid-headers', 'headers must be a JSON object of strings');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      throw new BadEntryError('invalid-headers', 'headers must be a JSON object of strings');
    }
    if (name !== '__proto__') {
      headers[name] = value;
    }
  }
  return headers;
}
