import { DeadLetterReason } from './dead-letter-reasons';
import { DeadLetterCopyLimits, cappedOriginal } from './dead-letter-copy';
import {
  DEAD_LETTER_FIELDS,
  DEAD_LETTER_FIELD_PREFIX,
  DEAD_LETTER_LOG_ACTIONS,
  DEAD_LETTER_LOG_FIELDS,
} from './dead-letter-fields';
import { entryIdTime } from './entry-ids';
import { ENVELOPE_FIELDS } from './envelope';

/** One dead-letter record: where and why the entry failed, and the entry's own fields. */
export interface DeadLetterRecord {
  /** Its id in the dead-letter stream. */
  id: string;
  stream: string;
  group: string;
  consumer: string;
  pattern: string;
  /** The entry's id in the source stream. */
  originalId: string;
  eventId: string | null;
  attempts: number;
  reason: string;
  errorClass: string;
  errorMessage: string;
  errorStack: string;
  constraints: string[];
  firstFailure: string;
  lastFailure: string;
  /** When it was dead-lettered (ms since the epoch, from its id). */
  deadLetteredAt: number;
  /** A field of the entry was longer than the cap and was cut: such a record cannot be redriven. */
  truncated: boolean;
  /** The entry's own fields as written by its producer. */
  fields: Record<string, string>;
}

/** What a dead-letter record is built from. */
export interface DeadLetterInput {
  /** The entry's own fields as read (lane bookkeeping removed); null when it was deleted while pending. */
  fields: Buffer[] | null;
  /** Bounds on the copy of `fields` kept in the record. */
  copyLimits: DeadLetterCopyLimits;
  stream: string;
  group: string;
  consumer: string;
  /** The event's type, when it could be decoded. */
  pattern: string | undefined;
  /** The entry's id in the source stream. */
  originalId: string;
  /** Deliveries to the group so far. */
  attempts: number;
  reason: DeadLetterReason;
  errorClass: string;
  errorMessage: string;
  errorStack: string | undefined;
  constraints: readonly string[] | undefined;
  /** ISO-8601. */
  firstFailure: string;
  /** ISO-8601. */
  lastFailure: string;
  /** The dead-letter record the entry had been redriven from. */
  redrivenFrom: string | undefined;
}

/** Longest error message kept (characters). */
const MAX_MESSAGE = 1024;
/** Longest stack kept (characters). */
const MAX_STACK = 4096;

/**
 * The field/value list of one dead-letter record: the entry's own fields (capped; marked when cut), then the
 * `dlq_*` fields in a fixed order, `dlq_redriven_from` and `dlq_constraints` only when set.
 */
export function encodeDeadLetter(input: DeadLetterInput): Array<string | Buffer> {
  const F = DEAD_LETTER_FIELDS;
  const record: Array<string | Buffer> = [
    ...cappedOriginal(input.fields, input.copyLimits),
    F.stream,
    input.stream,
    F.group,
    input.group,
    F.consumer,
    input.consumer,
    F.pattern,
    input.pattern ?? '',
    F.originalId,
    input.originalId,
    F.attempts,
    String(input.attempts),
    F.reason,
    input.reason,
    F.errorClass,
    input.errorClass,
    F.errorMessage,
    input.errorMessage.slice(0, MAX_MESSAGE),
    F.errorStack,
    (input.errorStack ?? '').slice(0, MAX_STACK),
    F.firstFailure,
    input.firstFailure,
    F.lastFailure,
    input.lastFailure,
  ];
  if (input.redrivenFrom) {
    record.push(F.redrivenFrom, input.redrivenFrom);
  }
  if (input.constraints?.length) {
    record.push(F.constraints, input.constraints.join(','));
  }
  return record;
}

/**
 * Reads one dead-letter record (its id and field/value list as XRANGE returns them) written by this library, by
 * the Lua steps, or by an older version: absent `dlq_*` fields read as empty, every other field is the entry's own.
 */
export function decodeDeadLetter(id: string, flat: readonly string[]): DeadLetterRecord {
  const meta: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    (flat[i].startsWith(DEAD_LETTER_FIELD_PREFIX) ? meta : fields)[flat[i]] = flat[i + 1];
  }
  const F = DEAD_LETTER_FIELDS;
  const constraints = meta[F.constraints];
  return {
    id,
    stream: meta[F.stream] ?? '',
    group: meta[F.group] ?? '',
    consumer: meta[F.consumer] ?? '',
    pattern: meta[F.pattern] || fields[ENVELOPE_FIELDS.type] || '',
    originalId: meta[F.originalId] ?? '',
    eventId: fields[ENVELOPE_FIELDS.eventId] ?? null,
    attempts: Number(meta[F.attempts] ?? 0),
    reason: meta[F.reason] ?? '',
    errorClass: meta[F.errorClass] ?? '',
    errorMessage: meta[F.errorMessage] ?? '',
    errorStack: meta[F.errorStack] ?? '',
    constraints: constraints ? constraints.split(',') : [],
    firstFailure: meta[F.firstFailure] ?? '',
    lastFailure: meta[F.lastFailure] ?? '',
    deadLetteredAt: entryIdTime(id),
    truncated: meta[F.truncated] === 'true',
    fields,
  };
}

/** The field/value list of the dead-letter log entry recording the purge of one batch of records. */
export function encodePurgeLogEntry(ids: readonly string[], by: string): Array<string | number> {
  const L = DEAD_LETTER_LOG_FIELDS;
  return [
    L.action,
    DEAD_LETTER_LOG_ACTIONS.purge,
    L.count,
    ids.length,
    L.firstId,
    ids[0],
    L.lastId,
    ids[ids.length - 1],
    L.by,
    by,
  ];
}
