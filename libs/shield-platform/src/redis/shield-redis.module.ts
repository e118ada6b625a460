import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DEFAULT_REDIS_URL } from '@app/redis-streams';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { redisFromUrl } from '@app/redis-streams/redis/redis-url';
import { JobStatusStore } from '../job-status/job-status.store';
import { shieldRedisOptions } from './redis-connection-options';

/** Injection token of the apps' shared ioredis command connection (job statuses, metrics, health PING). */
export const SHIELD_REDIS = Symbol('SHIELD_REDIS');

/** The Redis URL of the apps: `REDIS_URL`, else the local default. */
export function redisUrlFrom(config: ConfigService): string {
  return config.get<string>('REDIS_URL') || DEFAULT_REDIS_URL;
}

function createConnection(config: ConfigService): RedisConnection {
  const logger = new Logger('ShieldRedis');
  // Fail commands after one reconnect attempt instead of queueing them for ever while Redis is away.
  const redis = redisFromUrl(redisUrlFrom(config), shieldRedisOptions(config, { maxRetriesPerRequest: 1 }));
  let lastError = '';
  redis.on('error', (error: unknown) => {
    // The message only: ioredis errors carry command arguments (payloads, AUTH passwords).
    const message = error instanceof Error ? error.message : 'unknown error';
    if (message !== lastError) {
      logger.warn(`redis: ${message}`);
      lastError = message;
    }
  });
  redis.on('ready', () => {
    lastError = '';
  });
  return redis;
}

/** Closes the shared connection after everything else (microservices included) has shut down. */
@Injectable()
class ShieldRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(SHIELD_REDIS) private readonly redis: RedisConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'end') {
      return;
    }
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

/**
 * Provides the shared Redis connection ({@link SHIELD_REDIS}), the {@link JobStatusStore} and the operations facade
 * ({@link RedisStreamsAdmin}) on it, to every module
 * of the app. Needs `ConfigModule.forRoot({ isGlobal: true })` (reads `REDIS_URL` and `REDIS_TLS_*`).
 */
@Global()
@Module({
  providers: [
    { provide: SHIELD_REDIS, useFactory: createConnection, inject: [ConfigService] },
    {
      provide: JobStatusStore,
      useFactory: (redis: RedisConnection) => new JobStatusStore(redis),
      inject: [SHIELD_REDIS],
    },
    {
      provide: RedisStreamsAdmin,
      useFactory: (redis: RedisConnection) => new RedisStreamsAdmin(redis),
      inject: [SHIELD_REDIS],
    },
    ShieldRedisCloser,
  ],
  exports: [SHIELD_REDIS, JobStatusStore, RedisStreamsAdmin],
})
export class ShieldRedisModule {}
