import { BadEntryReason } from '../wire/dead-letter-reasons';
import { RedisStreamsError } from './redis-streams.error';

/** A stream entry that cannot be decoded. Carries a reason code, never the payload. */
export class BadEntryError extends RedisStreamsError {
  constructor(
    readonly reason: BadEntryReason,
    message: string,
  ) {
    super(message);
  }
}
