import { ConfigService } from '@nestjs/config';
import type { RedisTlsOptions } from '@app/redis-streams';
import { resolveConnectionRedisOptions } from '@app/redis-streams/options/connection-options';
import type { RedisOptions } from 'ioredis';
import { PLATFORM_ENV } from '../config/platform-env';
import { RedisTlsValues, redisTlsOf } from '../config/redis-tls-env';

/** The URL and TLS variables through `ConfigService`, read as each app's typed config reads them. */
function redisTlsValuesFrom(config: ConfigService): RedisTlsValues {
  const read = <T>(variable: { name: string; read(text: string | undefined): T }): T =>
    variable.read(config.get<string>(variable.name));
  return {
    redisUrl: read(PLATFORM_ENV.redisUrl),
    redisTlsCaFile: read(PLATFORM_ENV.redisTlsCaFile),
    redisTlsCertFile: read(PLATFORM_ENV.redisTlsCertFile),
    redisTlsKeyFile: read(PLATFORM_ENV.redisTlsKeyFile),
    redisTlsServername: read(PLATFORM_ENV.redisTlsServername),
  };
}

/**
 * The apps' TLS files and server name (`REDIS_TLS_CA_FILE`, `REDIS_TLS_CERT_FILE`, `REDIS_TLS_KEY_FILE`,
 * `REDIS_TLS_SERVERNAME`) as the library's `tls` option; `undefined` when none is set. Read like `redisUrlFrom`
 * (through `ConfigService`); each app's typed config has checked them at start.
 */
export function redisTlsFrom(config: ConfigService): RedisTlsOptions | undefined {
  return redisTlsOf(redisTlsValuesFrom(config));
}

/**
 * The ioredis options of an app connection to `REDIS_URL`: `base` with the `REDIS_TLS_*` files read into ioredis'
 * `tls` (by the library, so its rules and errors apply); `base` as it is when no TLS variable is set.
 */
export function shieldRedisOptions(config: ConfigService, base: RedisOptions): RedisOptions {
  const values = redisTlsValuesFrom(config);
  return resolveConnectionRedisOptions(values.redisUrl, redisTlsOf(values), base) ?? base;
}
