import { BadEntryError } from '../errors/bad-entry.error';
import { DEAD_LETTER_REASONS } from './dead-letter-reasons';
import { parseJsonSafely } from './safe-json';

/**
 * The text of one informational (pub/sub) message: the entry's fields as one JSON object (`{"type": …, "data":
 * "<json>", "event_id": …, "timestamp": …}` for the envelope). A publisher that sends a plain JSON object (the
 * payload itself, as seed 002's scripts would) is read like a `flat` entry by a route with codec `flat` or `auto`.
 */
export function encodeInformationalMessage(fields: readonly string[]): string {
  const message: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    message[fields[i]] = fields[i + 1];
  }
  return JSON.stringify(message);
}

/**
 * The field list (as an entry would have it, Buffers) of a received message, for the entry decoder: a JSON object's
 * string values as they are, other values as JSON. Throws {@link BadEntryError} for a message that is too large, not
 * JSON, or not an object.
 */
export function informationalMessageFields(
  message: Buffer,
  limits: { maxEntryBytes: number; maxDepth: number },
): Buffer[] {
  if (message.length > limits.maxEntryBytes) {
    throw new BadEntryError(
      DEAD_LETTER_REASONS.tooLarge,
      `message is ${message.length} bytes, over the ${limits.maxEntryBytes}-byte limit`,
    );
  }
  const parsed = parseJsonSafely(message.toString('utf8'), limits.maxDepth);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadEntryError(DEAD_LETTER_REASONS.invalidJson, 'message is not a JSON object');
  }
  const fields: Buffer[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    fields.push(Buffer.from(name), Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));
  }
  return fields;
}
