import { RawEntry } from '../redis/stream-replies';
import { DEAD_LETTER_REASONS, TailMalformedReason } from './dead-letter-reasons';
import { flatValue, readEntryFields } from './entry-fields';
import { ENVELOPE_FIELDS } from './envelope';
import { parseJsonSafely } from './safe-json';

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

const MAX_JSON_DEPTH = 64;

/**
 * The lenient mode of the entry decoder (the strict one is the consumer's {@link decodeEntry}), for what tailing and
 * live views show: decodes one entry without ever throwing, envelope entries (with `data`) and flat ones (seed
 * 002: every field a payload key). Whatever cannot be decoded is kept as written and named in `malformed`.
 */
export function decodeTailedEntry(stream: string, entry: RawEntry): TailedEvent {
  const fields = readEntryFields(entry.fields ?? []);
  let malformed = fields.malformed;
  const parse = (text: string, reason: TailMalformedReason): unknown => {
    try {
      return parseJsonSafely(text, MAX_JSON_DEPTH);
    } catch {
      malformed ??= reason;
      return text;
    }
  };
  const event: TailedEvent = { id: entry.id, type: fields.type || '', data: undefined };
  if (fields.data === undefined) {
    // Flat: the stream name is the pattern unless the entry names its type.
    event.type ||= stream;
    event.data = flatPayload(fields.all);
  } else {
    if (!event.type) {
      event.type = 'unknown';
      malformed ??= DEAD_LETTER_REASONS.missingType;
    }
    event.data = parse(fields.data, DEAD_LETTER_REASONS.invalidJson);
    const headerText = fields.headers;
    const parsed = headerText ? parse(headerText, DEAD_LETTER_REASONS.invalidHeaders) : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      if (Object.values(parsed).every((value) => typeof value === 'string')) {
        event.headers = parsed as Record<string, string>;
      } else {
        malformed ??= DEAD_LETTER_REASONS.invalidHeaders;
      }
    } else if (headerText) {
      malformed ??= DEAD_LETTER_REASONS.invalidHeaders;
    }
  }
  if (fields.eventId !== undefined) {
    event.eventId = fields.eventId;
  }
  if (fields.timestamp !== undefined) {
    event.timestamp = fields.timestamp;
  }
  if (malformed) {
    event.malformed = malformed;
  }
  return event;
}

/** Every field but `type` as a payload key; JSON-looking values parsed, anything else as written. */
function flatPayload(all: readonly string[]): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (let i = 0; i < all.length; i += 2) {
    if (all[i] === ENVELOPE_FIELDS.type) {
      continue;
    }
    // A `__proto__` field name must not become the payload's prototype.
    Object.defineProperty(payload, all[i], {
      value: flatValue(all[i + 1], MAX_JSON_DEPTH, true),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return payload;
}
