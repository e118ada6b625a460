import { RedisStreamsError } from './redis-streams.error';

/** Why a stream entry could not be turned into an event. Stable strings: they end up in logs and DLQ records. */
export type BadEntryReason =
  | 'deleted'
  | 'invalid-utf8'
  | 'duplicate-field'
  | 'missing-type'
  | 'missing-data'
  | 'invalid-json'
  | 'too-large'
  | 'too-many-fields'
  | 'too-deep'
  | 'prototype-pollution'
  | 'invalid-headers';

/** A stream entry that cannot be decoded. Carries a reason code, never the payload. */
export class BadEntryError extends RedisStreamsError {
  constructor(
    readonly reason: BadEntryReason,
    message: string,
  ) {
    super(message);
  }
}
