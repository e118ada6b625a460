/**
 * Why an entry was dead-lettered, retried or rejected: the `dlq_reason` of a dead-letter record, the `reason` of
 * the server's events and metric labels. Stable strings: other services filter dead letters by them.
 */

/** A handler failed (see classifyFailure), or an operator or handler dead-lettered the entry. */
const FAILURE_REASONS = {
  unrecoverable: 'unrecoverable',
  validation: 'validation',
  handlerError: 'handler-error',
  timeout: 'timeout',
  maxDeliveries: 'max-deliveries',
  manual: 'manual',
} as const;

/** The entry could not be turned into an event (see the strict decoder). */
const BAD_ENTRY_REASONS = {
  deleted: 'deleted',
  invalidUtf8: 'invalid-utf8',
  duplicateField: 'duplicate-field',
  missingType: 'missing-type',
  missingData: 'missing-data',
  invalidJson: 'invalid-json',
  tooLarge: 'too-large',
  tooManyFields: 'too-many-fields',
  tooDeep: 'too-deep',
  prototypePollution: 'prototype-pollution',
  invalidHeaders: 'invalid-headers',
} as const;

/** The transport itself gave up on the entry. */
const TRANSPORT_REASONS = {
  /** A type no handler of the group knows, on a stream configured to dead-letter such entries. */
  noHandler: 'no-handler',
  /** A retry-schedule member the promote-retries Lua step could not move into the lane (written by Lua). */
  unpromotable: 'unpromotable',
  /** Delivered after its `expires_at` header, on a route with `onExpired: 'dead-letter'` (message TTL). */
  expired: 'expired',
  /** Redis refused a Redis write an idempotent handler queued with `ctx.getEffects()` (at its commit). */
  effectFailed: 'effect-failed',
} as const;

type ValueOf<T> = T[keyof T];

/** Every reason, by name: the one spelling of each. */
export const DEAD_LETTER_REASONS = {
  ...FAILURE_REASONS,
  ...BAD_ENTRY_REASONS,
  ...TRANSPORT_REASONS,
} as const;

/** Why an entry was dead-lettered: one union across handler failures, bad entries and the transport's own. */
export type DeadLetterReason = ValueOf<typeof DEAD_LETTER_REASONS>;

/** Why an entry was dead-lettered or retried after its handler ran (or by hand). */
export type FailureReason = ValueOf<typeof FAILURE_REASONS>;

/** Why a stream entry could not be turned into an event. */
export type BadEntryReason = ValueOf<typeof BAD_ENTRY_REASONS>;

/** The reasons an `UnrecoverableEventError` may carry. */
export type UnrecoverableReason = typeof FAILURE_REASONS.unrecoverable | typeof FAILURE_REASONS.validation;

/** Why part of an entry is shown as written by the lenient decoder (tail, live events) instead of decoded. */
export type TailMalformedReason =
  | typeof BAD_ENTRY_REASONS.invalidUtf8
  | typeof BAD_ENTRY_REASONS.duplicateField
  | typeof BAD_ENTRY_REASONS.missingType
  | typeof BAD_ENTRY_REASONS.invalidJson
  | typeof BAD_ENTRY_REASONS.invalidHeaders;

/** Every reason, for validating a filter or checking the Lua scripts' spelling. */
export const ALL_DEAD_LETTER_REASONS: readonly DeadLetterReason[] = Object.values(DEAD_LETTER_REASONS);
