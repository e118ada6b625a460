import { isUtf8 } from 'node:buffer';
import { BadEntryError } from '../errors/bad-entry.error';
import { DEAD_LETTER_REASONS, TailMalformedReason } from './dead-letter-reasons';
import { ENVELOPE_FIELDS } from './envelope';
import { parseJsonSafely } from './safe-json';

/** The fields of one entry as text: the envelope's own at hand, all of them in entry order (name, value, …). */
export interface EntryFields {
  type: string | undefined;
  data: string | undefined;
  eventId: string | undefined;
  timestamp: string | undefined;
  headers: string | undefined;
  /** Every field once, in entry order (lenient: the first of a name given twice). */
  all: string[];
  /** True when a field outside the envelope is present. */
  hasExtras: boolean;
  /** Lenient reading only: the first thing that was wrong (the entry is read as far as it can be). */
  malformed: TailMalformedReason | undefined;
}

/** Longest field name accepted (bytes): names are keys, not payload; a longer one is a bad entry (`too-large`). */
export const MAX_FIELD_NAME_BYTES = 1024;

/** Caps on what other producers wrote: given, the reading is strict. */
export interface FieldCaps {
  /** No single field value may be larger (bytes). */
  maxPayloadBytes: number;
  /** Most field pairs (name + value) in one entry. */
  maxFields: number;
  /** Largest entry: names and values together (bytes). */
  maxEntryBytes: number;
}

/**
 * Reads the raw field list of one entry (Buffers, so invalid UTF-8 is seen, not silently replaced). Strict (with
 * `caps`, the consumer): throws {@link BadEntryError} at the first field over a cap, not UTF-8 or given twice.
 * Lenient (no caps, what tailing shows): never throws; notes the first problem in `malformed`, keeps the first of
 * a name given twice. The hot path of the consumer: no Map per entry.
 */
export function readEntryFields(raw: readonly Buffer[], caps?: FieldCaps): EntryFields {
  // Checked before anything is copied: such an entry is dead-lettered with a capped copy, never read whole.
  if (caps && raw.length >> 1 > caps.maxFields) {
    throw new BadEntryError(
      DEAD_LETTER_REASONS.tooManyFields,
      `entry of ${raw.length >> 1} fields, over the ${caps.maxFields}-field cap`,
    );
  }
  const fields: EntryFields = {
    type: undefined,
    data: undefined,
    eventId: undefined,
    timestamp: undefined,
    headers: undefined,
    all: caps ? new Array<string>(raw.length & ~1) : [],
    hasExtras: false,
    malformed: undefined,
  };
  const seen = caps ? undefined : new Set<string>();
  let total = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (caps) {
      total += name.length + value.length;
      checkSize(total, name.length, value.length, caps);
    }
    if (!isUtf8(name) || !isUtf8(value)) {
      if (caps) {
        throw new BadEntryError(DEAD_LETTER_REASONS.invalidUtf8, 'a field name or value is not valid UTF-8');
      }
      fields.malformed ??= DEAD_LETTER_REASONS.invalidUtf8;
    }
    const key = name.toString();
    const text = value.toString();
    if (seen) {
      if (seen.has(key)) {
        fields.malformed ??= DEAD_LETTER_REASONS.duplicateField;
        continue;
      }
      seen.add(key);
      fields.all.push(key, text);
    } else {
      fields.all[i] = key;
      fields.all[i + 1] = text;
    }
    if (!setEnvelopeField(fields, key, text)) {
      fields.hasExtras = true;
    }
  }
  if (caps && fields.hasExtras) {
    refuseDuplicates(fields.all);
  }
  return fields;
}

function checkSize(total: number, nameBytes: number, valueBytes: number, caps: FieldCaps): void {
  if (total > caps.maxEntryBytes) {
    throw new BadEntryError(DEAD_LETTER_REASONS.tooLarge, `entry over the ${caps.maxEntryBytes}-byte cap`);
  }
  if (nameBytes > MAX_FIELD_NAME_BYTES) {
    throw new BadEntryError(
      DEAD_LETTER_REASONS.tooLarge,
      `field name of ${nameBytes} bytes, over the ${MAX_FIELD_NAME_BYTES}-byte cap`,
    );
  }
  if (valueBytes > caps.maxPayloadBytes) {
    throw new BadEntryError(
      DEAD_LETTER_REASONS.tooLarge,
      `field of ${valueBytes} bytes, over the ${caps.maxPayloadBytes}-byte cap`,
    );
  }
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
  return new BadEntryError(
    DEAD_LETTER_REASONS.duplicateField,
    `field "${name.slice(0, 64)}" appears more than once`,
  );
}

/**
 * A flat field's value (seed 002): JSON when it looks like an object or array and parses, else the text as written
 * (`[draft] notes` is text, not broken JSON). Strict: a too-deep value or a prototype key is refused (thrown);
 * lenient: such a value is shown as written.
 */
export function flatValue(value: string, maxDepth: number, lenient: boolean): unknown {
  const first = value.charCodeAt(0);
  if (first !== 0x7b && first !== 0x5b) {
    return value;
  }
  try {
    return parseJsonSafely(value, maxDepth);
  } catch (error) {
    if (lenient || (error instanceof BadEntryError && error.reason === DEAD_LETTER_REASONS.invalidJson)) {
      return value;
    }
    throw error;
  }
}
