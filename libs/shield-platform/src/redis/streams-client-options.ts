import { ConfigService } from '@nestjs/config';
import type { RedisStreamsClientOptions } from '@app/redis-streams';
import { MAX_EVENT_PAYLOAD_BYTES, routes } from '@app/contracts';
import { redisTlsFrom } from './redis-connection-options';
import { redisUrlFrom } from './shield-redis.module';

/**
 * The Redis Streams client options both apps use (one place: URL and TLS files from config, the shared routes, the
 * raised payload cap); `source` names the app in every event's headers.
 */
export function streamsClientOptions(config: ConfigService, source: string): RedisStreamsClientOptions {
  const tls = redisTlsFrom(config);
  return {
    url: redisUrlFrom(config),
    ...(tls === undefined ? {} : { tls }),
    routes,
    source,
    maxPayloadBytes: MAX_EVENT_PAYLOAD_BYTES,
  };
}
