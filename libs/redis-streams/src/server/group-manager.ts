import type { RedisConnection } from '../redis/redis-connection';
import { redisErrorCode } from '../errors/describe-error';

/**
 * Creates the group on every stream (and the stream itself, MKSTREAM) if missing. Idempotent: an existing group
 * (BUSYGROUP) is left exactly as it is.
 */
export async function ensureGroups(
  connection: RedisConnection,
  streams: readonly string[],
  group: string,
  startId: string,
) {
  await Promise.all(
    streams.map(async (stream) => {
      try {
        await connection.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
      } catch (error) {
        if (redisErrorCode(error) !== 'BUSYGROUP') {
          throw error;
        }
      }
    }),
  );
}
