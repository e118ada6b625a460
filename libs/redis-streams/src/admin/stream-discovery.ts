import type { Redis } from 'ioredis';
import { StreamKeys } from '../wire/stream-keys';

/** Every stream key in the database (SCAN … TYPE stream, so it never blocks Redis like KEYS would). */
async function streamKeys(redis: Redis, match = '*'): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000, 'TYPE', 'stream');
    cursor = next;
    batch.forEach((key) => keys.add(key));
  } while (cursor !== '0');
  return [...keys].sort();
}

/**
 * The source streams in the database: every stream except the keys this library derives (DLQ, retry lanes) and the
 * reply streams of request-reply callers.
 */
export async function discoverStreams(redis: Redis): Promise<string[]> {
  return (await streamKeys(redis)).filter(
    (key) => StreamKeys.sourceOf(key) === undefined && !StreamKeys.isReplyStream(key),
  );
}

/** The source streams that have a dead-letter stream. */
export async function discoverDeadLetterSources(redis: Redis): Promise<string[]> {
  const sources = (await streamKeys(redis, StreamKeys.deadLetterMatch()))
    .map((key) => StreamKeys.sourceOf(key))
    .filter((source): source is string => source !== undefined);
  return [...new Set(sources)].sort();
}
