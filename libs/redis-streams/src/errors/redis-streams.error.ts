/** Base class of every error this library throws on purpose. */
export class RedisStreamsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Options given to the server, the client or the module are invalid. */
export class InvalidOptionsError extends RedisStreamsError {}

/** `emit()` was given something that cannot be written as an event (empty pattern, unserialisable payload, too large). */
export class InvalidEventError extends RedisStreamsError {}

/** A Redis command failed. `code` is Redis's error code (`OOM`, `NOPERM` …) when it sent one. */
export class RedisCommandError extends RedisStreamsError {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** A `send()` got no complete answer within its timeout (`requestTimeoutMs`, or the record's `timeoutMs`). */
export class RequestTimeoutError extends RedisStreamsError {
  constructor(
    readonly pattern: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to "${pattern}" within ${timeoutMs} ms`);
  }
}
