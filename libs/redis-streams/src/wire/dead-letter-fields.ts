/**
 * Field names of a dead-letter record (an entry of `StreamKeys.deadLetter(stream)`): the entry's own fields as
 * written, followed by these. Every name starts with {@link DEAD_LETTER_FIELD_PREFIX}, which is how a reader (and
 * the redrive Lua step) tells them from the entry's own fields. The Lua steps spell the same names;
 * wire-spelling.spec.ts checks they agree.
 */
export const DEAD_LETTER_FIELDS = {
  stream: 'dlq_stream',
  group: 'dlq_group',
  consumer: 'dlq_consumer',
  pattern: 'dlq_pattern',
  originalId: 'dlq_original_id',
  attempts: 'dlq_attempts',
  reason: 'dlq_reason',
  errorClass: 'dlq_error_class',
  errorMessage: 'dlq_error_message',
  errorStack: 'dlq_error_stack',
  firstFailure: 'dlq_first_failure',
  lastFailure: 'dlq_last_failure',
  /** The dead-letter record this entry had been redriven from (it failed again). */
  redrivenFrom: 'dlq_redriven_from',
  /** Validation constraint names, comma-separated. */
  constraints: 'dlq_constraints',
  /** `true` when the copy of the entry was cut: such a record cannot be redriven. */
  truncated: 'dlq_truncated',
  /** An unpromotable retry-schedule member as stored (written by the promote-retries Lua step only). */
  member: 'dlq_member',
} as const;

/** What every dead-letter field name starts with; an entry's own field never should. */
export const DEAD_LETTER_FIELD_PREFIX = 'dlq_';

/** Field names of the dead-letter log (`StreamKeys.deadLetterLog(stream)`): what operators did to the records. */
export const DEAD_LETTER_LOG_FIELDS = {
  /** One of {@link DEAD_LETTER_LOG_ACTIONS}. */
  action: 'action',
  /** Who asked (free text; `user@host` by default). */
  by: 'by',
  // A redrive (written by the redrive-dead-letter Lua step), one entry per record:
  deadLetterId: 'dlq_id',
  laneId: 'lane_id',
  stream: 'stream',
  group: 'group',
  originalId: 'original_id',
  reason: 'reason',
  attempts: 'attempts',
  // A purge, one entry per batch of up to 500 records:
  count: 'count',
  firstId: 'first_id',
  lastId: 'last_id',
} as const;

/** The actions of the dead-letter log. */
export const DEAD_LETTER_LOG_ACTIONS = { redrive: 'redrive', purge: 'purge' } as const;
