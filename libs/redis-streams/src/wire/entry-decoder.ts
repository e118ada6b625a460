import { BadEntryError } from '../errors/bad-entry.error';
import { ResolvedRoute } from '../options/routing-options';
import { DEAD_LETTER_REASONS } from './dead-letter-reasons';
import { EntryFields, FieldCaps, flatValue, readEntryFields } from './entry-fields';
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
export interface DecodeLimits extends FieldCaps {
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
    throw new BadEntryError(DEAD_LETTER_REASONS.deleted, 'entry was deleted from the stream while pending');
  }
  const fields = readEntryFields(raw, limits);
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
    throw new BadEntryError(DEAD_LETTER_REASONS.missingData, 'entry has no data field');
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
      throw new BadEntryError(DEAD_LETTER_REASONS.missingType, 'entry on a shared stream has no type field');
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
      throw new BadEntryError(DEAD_LETTER_REASONS.prototypePollution, `field name "${name}" is not allowed`);
    }
    payload[name] = flatValue(all[i + 1], limits.maxDepth, false);
  }
  return payload;
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
    throw new BadEntryError(DEAD_LETTER_REASONS.invalidHeaders, 'headers must be a JSON object of strings');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadEntryError(DEAD_LETTER_REASONS.invalidHeaders, 'headers must be a JSON object of strings');
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      throw new BadEntryError(DEAD_LETTER_REASONS.invalidHeaders, 'headers must be a JSON object of strings');
    }
    if (name !== '__proto__') {
      headers[name] = value;
    }
  }
  return headers;
}
