import { isUtf8 } from 'node:buffer';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { RawEntry } from '../redis/stream-replies';
import { ENVELOPE_FIELDS } from '../wire/envelope';
import { parseJsonSafely } from '../wire/safe-json';

/** Why part of an entry is passed on as written instead of decoded. */
export type TailMalformedReason =
  | 'invalid-utf8'
  | 'duplicate-field'
  | 'missing-type'
  | 'invalid-json'
  | 'invalid-headers';

/** One entry of the stream, decoded as far as it can be. */
export interface TailedEvent {
  /** The Redis entry id. */
  id: string;
  /** The `type` field; the stream name for a flat entry without one; `unknown` for an envelope without one. */
  type: string;
  eventId?: string;
  timestamp?: string;
  /** Envelope: the parsed `data` (the raw string if it is not JSON). Flat: every field, JSON-looking values parsed. */
  data: unknown;
  /** Present only when the entry has a `headers` field that is a JSON object of strings. */
  headers?: Record<string, string>;
  /** Set when something could not be decoded; that part is in the event as written. */
  malformed?: TailMalformedReason;
}

const MAX_ID_PART = 2n ** 64n - 1n;
const ENTRY_ID = /^(\d{1,20})(?:-(\d{1,20}))?$/;
const MAX_JSON_DEPTH = 64;
/**
 * Validates a start position and normalises it: `$` stays, `0` becomes `0-0`, `ms` becomes `ms-0`.
 * Throws {@link InvalidOptionsError} for anything else.
 */
export function parseTailPosition(from: string | undefined = '$'): string {
  const match = typeof from === 'string' ? ENTRY_ID.exec(from) : null;
  if (from === '$') {
    return from;
  }
  if (!match || BigInt(match[1]) > MAX_ID_PART || BigInt(match[2] ?? 0) > MAX_ID_PART) {
    const shown = typeof from === 'string' ? `"${from.slice(0, 64)}"` : typeof from;
    throw new InvalidOptionsError(
      `from must be "$" (new entries only), "0" (everything) or an entry id like 1700000000000-0 (entries after it); got ${shown}`,
    );
  }
  return `${BigInt(match[1])}-${BigInt(match[2] ?? 0)}`;
}

/**
 * A predicate for a type filter: exact names, or prefixes ending with a single `*` (`ingestion.*`, `*`).
 * No types: everything matches. Throws {@link InvalidOptionsError} for an empty name or a misplaced `*`.
 */
export function compileTypeFilter(types: readonly string[] = []): (type: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const type of types) {
    const star = typeof type === 'string' ? type.indexOf('*') : -1;
    if (typeof type !== 'string' || type.length === 0 || (star !== -1 && star !== type.length - 1)) {
      throw new InvalidOptionsError(
        `type "${String(type).slice(0, 64)}" must be a name or a prefix ending with *`,
      );
    }
    if (star === -1) {
      exact.add(type);
    } else {
      prefixes.push(type.slice(0, -1));
    }
  }
  if (exact.size === 0 && prefixes.length === 0) {
    return () => true;
  }
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}

/**
 * Decodes one entry without ever throwing: envelope entries (with `data`) and flat ones (seed 002: every field a
 * payload key). Whatever cannot be decoded is kept as written and named in `malformed`.
 */
export function decodeTailedEntry(stream: string, entry: RawEntry): TailedEvent {
  const fields = new Map<string, string>();
  let malformed: TailMalformedReason | undefined;
  const raw = entry.fields ?? [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!isUtf8(raw[i]) || !isUtf8(raw[i + 1])) {
      malformed ??= 'invalid-utf8';
    }
    const name = raw[i].toString();
    if (fields.has(name)) {
      malformed ??= 'duplicate-field';
    } else {
      fields.set(name, raw[i + 1].toString());
    }
  }
  const parse = (text: string, reason?: TailMalformedReason): unknown => {
    try {
      return parseJsonSafely(text, MAX_JSON_DEPTH);
    } catch {
      malformed ??= reason;
      return text;
    }
  };
  const { type, data, eventId, timestamp, headers } = ENVELOPE_FIELDS;
  const event: TailedEvent = { id: entry.id, type: fields.get(type) || '', data: undefined };
  const text = fields.get(data);
  if (text === undefined) {
    // Flat: the stream name is the pattern unless the entry names its type.
    event.type ||= stream;
    const payload: Record<string, unknown> = {};
    for (const [name, value] of fields) {
      if (name === type) {
        continue;
      }
      // Like the flat codec: `[draft] notes` is text, not broken JSON.
      const decoded = value.startsWith('{') || value.startsWith('[') ? parse(value) : value;
      // A `__proto__` field name must not become the payload's prototype.
      Object.defineProperty(payload, name, {
        value: decoded,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    event.data = payload;
  } else {
    if (!event.type) {
      event.type = 'unknown';
      malformed ??= 'missing-type';
    }
    event.data = parse(text, 'invalid-json');
    const headerText = fields.get(headers);
    const parsed = headerText ? parse(headerText, 'invalid-headers') : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      if (Object.values(parsed).every((value) => typeof value === 'string')) {
        event.headers = parsed as Record<string, string>;
      } else {
        malformed ??= 'invalid-headers';
      }
    } else if (headerText) {
      malformed ??= 'invalid-headers';
    }
  }
  const id = fields.get(eventId);
  const at = fields.get(timestamp);
  if (id !== undefined) {
    event.eventId = id;
  }
  if (at !== undefined) {
    event.timestamp = at;
  }
  if (malformed) {
    event.malformed = malformed;
  }
  return event;
}
