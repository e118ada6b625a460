import { ConfigService } from '@nestjs/config';
import { streamsClientOptions } from '@app/shield-platform';
import { RedisStreamsModule, getRedisStreamsClientToken } from '@app/redis-streams';

/** Name of the publish endpoint's own ClientRedisStreams (inject it with {@link PUBLISH_CLIENT}). */
export const PUBLISH_CLIENT_NAME = 'http-publish';

/** Injection token of the publish endpoint's ClientRedisStreams. */
export const PUBLISH_CLIENT = getRedisStreamsClientToken(PUBLISH_CLIENT_NAME);

/**
 * The publish endpoint's client: the apps' client options (REDIS_URL, the shared routes, the raised payload cap),
 * its own connection, and `source: api-http-publish` in the headers of what it writes, so an entry published over
 * HTTP can be told from one the API emitted itself.
 */
export const PublishClientModule = RedisStreamsModule.forRootAsync({
  name: PUBLISH_CLIENT_NAME,
  inject: [ConfigService],
  useFactory: (config: ConfigService) => streamsClientOptions(config, 'api-http-publish'),
});
