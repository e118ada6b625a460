import type { Redis } from 'ioredis';
import { RedisStreamsError } from '../errors/redis-streams.error';
import { RedisConnection, isCluster } from '../redis/redis-connection';
import { StreamKeys } from '../wire/stream-keys';

/**
 * Every stream key in the database (SCAN … TYPE stream, so it never blocks Redis like KEYS would); on a Cluster, of
 * every primary (SCAN walks one node's keys).
 */
async function streamKeys(redis: RedisConnection, match = '*'): Promise<string[]> {
  const keys = new Set<string>();
  for (const node of await primariesOf(redis)) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000, 'TYPE', 'stream');
      cursor = next;
      batch.forEach((key) => keys.add(key));
    } while (cursor !== '0');
  }
  return [...keys].sort();
}

/** The connections SCAN must walk: `redis` itself, or every primary of a Cluster. */
async function primariesOf(redis: RedisConnection): Promise<Redis[]> {
  if (!isCluster(redis)) {
    return [redis];
  }
  // A Cluster names its primaries only once it has loaded the slot map: just created, lazy or reconnecting, it names
  // none, and a SCAN over none would report no streams at all. A PING waits for that (and connects a lazy Cluster).
  if (redis.status !== 'ready') {
    await redis.ping();
  }
  const primaries = redis.nodes('master');
  if (primaries.length === 0) {
    throw new RedisStreamsError('the Redis Cluster names no primary (its slot map is not loaded)');
  }
  return primaries;
}

/**
 * The source streams in the database: every stream except the keys this library derives (DLQ, retry lanes) and the
 * reply streams of request-reply callers.
 */
export async function discoverStreams(redis: RedisConnection): Promise<string[]> {
  return (await streamKeys(redis)).filter(
    (key) => StreamKeys.sourceOf(key) === undefined && !StreamKeys.isReplyStream(key),
  );
}

/** The source streams that have a dead-letter stream. */
export async function discoverDeadLetterSources(redis: RedisConnection): Promise<string[]> {
  const sources = (await streamKeys(redis, StreamKeys.deadLetterMatch()))
    .map((key) => StreamKeys.sourceOf(key))
    .filter((source): source is string => source !== undefined);
  return [...new Set(sources)].sort();
}
