/**
 * The original exception of a failed handler, recorded per context by {@link RedisStreamsExceptionFilter} before
 * Nest's RPC layer replaces it (an unknown error becomes "Internal server error", its class and stack gone).
 */
const failures = new WeakMap<object, unknown>();

/** Records `error` as the failure of the handler that received `context`. */
export function recordFailure(context: object, error: unknown): void {
  failures.set(context, error);
}

/** The recorded failure of `context`, if the filter saw one (removed once read). */
export function takeFailure(context: object): { error: unknown } | undefined {
  if (!failures.has(context)) {
    return undefined;
  }
  const error = failures.get(context);
  failures.delete(context);
  return { error };
}
