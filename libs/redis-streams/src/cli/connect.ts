import type { RedisConnection } from '../redis/redis-connection';
import { redisFromUrl } from '../redis/redis-url';
import { redactUrl, resolveRedisUrl } from '../options/connection-options';
import { CliError, EXIT } from './exit-codes';

/**
 * Connects for one CLI run: fails fast (no endless reconnect loop, no offline queue) with a message that names
 * the URL without its password.
 */
export async function connectCli(url: string | undefined): Promise<RedisConnection> {
  let resolved: string;
  try {
    resolved = resolveRedisUrl(url);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.usage);
  }
  const redis = redisFromUrl(resolved, {
    lazyConnect: true,
    connectTimeout: 5000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null, // a Sentinel URL whose sentinels do not answer fails too, not loops
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error; // reported once, below or through the failing command
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    const reason = (lastError ?? (error as Error)).message;
    throw new CliError(`cannot reach Redis at ${redactUrl(resolved)}: ${reason}`, EXIT.failed);
  }
  return redis;
}
