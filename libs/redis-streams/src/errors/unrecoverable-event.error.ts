import { RedisStreamsError } from './redis-streams.error';

/**
 * Throw this from a handler when retrying cannot help (the event is wrong, not the moment).
 * The transport treats it as a permanent failure.
 */
export class UnrecoverableEventError extends RedisStreamsError {}
