import { HandlerTimeoutError } from '../errors/failure';
import { HeldEntry } from './in-flight';

/** A handler raced against its deadline. */
export interface DeadlineRun {
  /** Settles with the handler, or rejects with {@link HandlerTimeoutError} when the deadline passes first. */
  result: Promise<void>;
  /** Resolves when the handler really ended (after `onLate` when it ended past the deadline). */
  settled: Promise<void>;
}

/**
 * Races `running` against `timeoutMs`. At the deadline the entry's abort signal fires and `result` rejects; the
 * handler keeps running (JavaScript cannot stop it) and `onLate` is called when it finally ends.
 */
export function withDeadline(
  running: Promise<void>,
  timeoutMs: number,
  held: HeldEntry,
  onLate: (how: 'succeeded' | 'failed') => void,
): DeadlineRun {
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      const error = new HandlerTimeoutError(timeoutMs);
      held.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const settled = running.then(
    () => (timedOut ? onLate('succeeded') : undefined),
    () => (timedOut ? onLate('failed') : undefined),
  );
  return { result: Promise.race([running, timeout]).finally(() => clearTimeout(timer)), settled };
}
