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
  /** Most field pairs (name + value) in one entry. */
  maxFields: number;
  /** Largest entry: names and values together (bytes). */
  maxEntryBytes: number;
}

const FORBIDDEN_FIELD_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/** The validated fields of one entry: the envelope's own at hand, all of them in entry order (name, value, …). */
interface EntryFields {
  type: string | undefined;
  data: string | undefined;
  eventId: string | undefined;
  timestamp: string | undefined;
  headers: string | undefined;
  all: string[];
  /** True when a field outside the envelope is present. */
  hasExtras: boolean;
}

/**
 * Decodes the raw field list of one entry (as Buffers, so invalid UTF-8 is seen, not silently replaced).
 * Throws {@link BadEntryError} with a reason code; never returns a half-decoded event.
 */
export function decodeEntry(raw: Buffer[] | null, route: ResolvedRoute, limits: DecodeLimits): DecodedEntry {
  if (raw === null) {
    throw new BadEntryError('deleted', 'entry was deleted from the stream while pending');
  }
  const fields = readFields(raw, limits);
  const codec = route.codec === 'auto' ? (fields.data !== undefined ? 'envelope' : 'flat') : route.codec;
  const pattern = patternOf(fields, route);
  if (codec === 'flat') {
    return {
      pattern,
      data: flatPayload(fields.all, route, limits),
      eventId: fields.eventId,
      timestamp: fields.timestamp,
      headers: {},
      extras: {},
    };
  }
  if (fields.data === undefined) {
    throw new BadEntryError('missing-data', 'entry has no data field');
  }
  return {
    pattern,
    data: parseJsonSafely(fields.data, limits.maxDepth),
    eventId: fields.eventId,
    timestamp: fields.timestamp,
    headers: parseHeaders(fields.headers),
    extras: fields.hasExtras ? extrasOf(fields.all) : {},
  };
}

/** Checks every field (size, UTF-8, no name twice) and turns it into text; the hot path: no Map per entry. */
function readFields(raw: Buffer[], limits: DecodeLimits): EntryFields {
  // Checked before anything is copied: such an entry is dead-lettered with a capped copy, never read whole.
  if (raw.length >> 1 > limits.maxFields) {
    throw new BadEntryError(
      'too-many-fields',
      `entry of ${raw.length >> 1} fields, over the ${limits.maxFields}-field cap`,
    );
  }
  let total = 0;
  const fields: EntryFields = {
    type: undefined,
    data: undefined,
    eventId: undefined,
    timestamp: undefined,
    headers: undefined,
    all: new Array<string>(raw.length & ~1),
    hasExtras: false,
  };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    total += name.length + value.length;
    if (total > limits.maxEntryBytes) {
      throw new BadEntryError('too-large', `entry over the ${limits.maxEntryBytes}-byte cap`);
    }
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
    const text = value.toString();
    fields.all[i] = key;
    fields.all[i + 1] = text;
    if (!setEnvelopeField(fields, key, text)) {
      fields.hasExtras = true;
    }
  }
  if (fields.hasExtras) {
    refuseDuplicates(fields.all);
  }
  return fields;
}

/** Stores an envelope field; false when `name` is not one. A second field of the same name is refused. */
function setEnvelopeField(fields: EntryFields, name: string, value: string): boolean {
  let slot: 'type' | 'data' | 'eventId' | 'timestamp' | 'headers';
  switch (name) {
    case ENVELOPE_FIELDS.type:
      slot = 'type';
      break;
    case ENVELOPE_FIELDS.data:
      slot = 'data';
      break;
    case ENVELOPE_FIELDS.eventId:
      slot = 'eventId';
      break;
    case ENVELOPE_FIELDS.timestamp:
      slot = 'timestamp';
      break;
    case ENVELOPE_FIELDS.headers:
      slot = 'headers';
      break;
    default:
      return false;
  }
  if (fields[slot] !== undefined) {
    throw duplicate(name);
  }
  fields[slot] = value;
  return true;
}

/** Refuses a field name that appears twice (envelope names are checked as they are read). */
function refuseDuplicates(all: string[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < all.length; i += 2) {
    if (seen.has(all[i])) {
      throw duplicate(all[i]);
    }
    seen.add(all[i]);
  }
}

function duplicate(name: string): BadEntryError {
  return new BadEntryError('duplicate-field', `field "${name.slice(0, 64)}" appears more than once`);
}

function extrasOf(all: string[]): Record<string, string> {
  const extras: Record<string, string> = {};
  for (let i = 0; i < all.length; i += 2) {
    if (!ENVELOPE_FIELD_NAMES.has(all[i])) {
      extras[all[i]] = all[i + 1];
    }
  }
  return extras;
}

function patternOf(fields: EntryFields, route: ResolvedRoute): string {
  const { type } = fields;
  if (route.shared) {
    if (!type) {
      throw new BadEntryError('missing-type', 'entry on a shared stream has no type field');
    }
    return type;
  }
  // A single-pattern stream may omit `type`; a `type` naming another pattern is kept so it is seen as unknown.
  return type && route.codec !== 'flat' ? type : route.patterns[0];
}

function flatPayload(all: string[], route: ResolvedRoute, limits: DecodeLimits): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (let i = 0; i < all.length; i += 2) {
    const name = all[i];
    if (route.shared && name === ENVELOPE_FIELDS.type) {
      continue;
    }
    if (FORBIDDEN_FIELD_NAMES.has(name)) {
      throw new BadEntryError('prototype-pollution', `field name "${name}" is not allowed`);
    }
    payload[name] = flatValue(all[i + 1], limits.maxDepth);
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
