import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';

/** True when Redis answers PING within `timeoutMs`; never throws. */
export async function pingRedis(redis: RedisConnection, timeoutMs = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const answer = redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
