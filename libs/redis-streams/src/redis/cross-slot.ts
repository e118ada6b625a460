import { InvalidOptionsError } from '../errors/redis-streams.error';
import { StreamKeys } from '../wire/stream-keys';
import { slotOf } from './redis-connection';

/** A stream and the dead-letter stream its route names, if any. */
export interface StreamDeadLetterName {
  stream: string;
  deadLetterStream?: string;
}

/**
 * Throws {@link InvalidOptionsError} naming the keys when a stream's keys would not share its Redis Cluster slot. Keys
 * derived by {@link StreamKeys} always do (hash tags); a dead-letter stream named by a route may not, and a dead-letter
 * move (one script over the stream and its dead-letter stream) or a purge (the dead-letter stream and its log) would
 * then fail with CROSSSLOT on every failure instead of at start.
 */
export function assertSameSlotKeys(routes: readonly StreamDeadLetterName[]): void {
  const problems: string[] = [];
  for (const { stream, deadLetterStream } of routes) {
    if (deadLetterStream === undefined) {
      continue;
    }
    const keys = [stream, deadLetterStream, StreamKeys.deadLetterLog(stream, deadLetterStream)];
    const slots = keys.map(slotOf);
    if (slots.some((slot) => slot !== slots[0])) {
      problems.push(
        `${keys.map((key, i) => `"${key}" (slot ${slots[i]})`).join(', ')}: name the dead-letter stream with the ` +
          `stream's hash tag, e.g. "${StreamKeys.base(stream)}:dead_letter"`,
      );
    }
  }
  if (problems.length > 0) {
    throw new InvalidOptionsError(
      `on Redis Cluster a stream's keys must share its slot (one script moves an entry to its dead-letter stream); ` +
        `these do not: ${problems.join('; ')}`,
    );
  }
}
