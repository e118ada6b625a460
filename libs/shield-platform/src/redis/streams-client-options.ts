import { ConfigService } from '@nestjs/config';
import type { RedisStreamsClientOptions } from '@app/redis-streams';
import { MAX_EVENT_PAYLOAD_BYTES, routes } from '@app/contracts';
import { redisUrlFrom } from './shield-redis.module';

/**
 * The Redis Streams client options both apps use (one place: URL from config, the shared routes, the raised payload
 * cap); `source` names the app in every event's headers.
 */
export function streamsClientOptions(config: ConfigService, source: string): RedisStreamsClientOptions {
  return { url: redisUrlFrom(config), routes, source, maxPayloadBytes: MAX_EVENT_PAYLOAD_BYTES };
}
