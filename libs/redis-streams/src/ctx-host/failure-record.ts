import type { RedisStreamsContext } from './redis-streams.context';

/**
 * The original exception of a failed handler, recorded on its context by {@link RedisStreamsExceptionFilter} before
 * Nest's RPC layer replaces it (an unknown error becomes "Internal server error", its class and stack gone). The
 * context carries it, so the record lives exactly as long as the delivery and no table outlives or shares it.
 */
const FAILURE = Symbol('nest-redis-streams:handler-failure');

interface FailureSlot {
  [FAILURE]?: { error: unknown };
}

/** Records `error` as the failure of the handler that received `context`. */
export function recordFailure(context: RedisStreamsContext, error: unknown): void {
  // Not enumerable: a handler that logs or spreads its context must not see it.
  Object.defineProperty(context, FAILURE, { value: { error }, configurable: true, writable: true });
}

/** The recorded failure of `context`, if the filter saw one (removed once read). */
export function takeFailure(context: RedisStreamsContext): { error: unknown } | undefined {
  const slot = context as FailureSlot;
  const failure = slot[FAILURE];
  delete slot[FAILURE];
  return failure;
}
