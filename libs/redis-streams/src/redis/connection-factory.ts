import type { RedisOptions } from 'ioredis';
import { RedisConnectionOptions, resolveRedisUrl } from '../options/connection-options';
import { RedisConnection } from './redis-connection';
import { redisFromUrl } from './redis-url';

/**
 * Creates an ioredis connection that does not connect until asked (`lazyConnect`), from the URL plus the user's
 * ioredis options, with `overrides` (what a role cannot work without) applied last.
 */
export function createRedisConnection(
  options: RedisConnectionOptions,
  overrides: RedisOptions = {},
): RedisConnection {
  return redisFromUrl(
    resolveRedisUrl(options.url),
    { ...options.redis, ...overrides, lazyConnect: true },
    options.cluster,
  );
}

/** Closes a connection politely (QUIT), or at once when Redis does not answer. */
export async function closeRedisConnection(connection: RedisConnection | undefined): Promise<void> {
  if (!connection || connection.status === 'end') {
    return;
  }
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  const timer = setTimeout(() => connection.disconnect(), 1000);
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  } finally {
    clearTimeout(timer);
  }
}
