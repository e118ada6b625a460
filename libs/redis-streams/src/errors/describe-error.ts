/**
 * A loggable one-line description of an error: class and message only.
 * ioredis errors carry the command's arguments (passwords, payloads), so raw error objects are never logged.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  if (typeof error === 'string') {
    return error;
  }
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  return 'unknown error';
}

/** The Redis error code of a reply error (`NOGROUP`, `BUSYGROUP`, `OOM` …), or undefined. */
export function redisErrorCode(error: unknown): string | undefined {
  if (error instanceof Error) {
    const match = /^([A-Z]+)\b/.exec(error.message);
    return match?.[1];
  }
  return undefined;
}
