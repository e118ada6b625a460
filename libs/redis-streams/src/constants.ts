/**
 * Default Nest transport id of {@link ServerRedisStreams}. `@EventPattern(p, REDIS_STREAMS_TRANSPORT)` binds a
 * handler to Redis Streams servers only (in a hybrid app with other transports).
 */
export const REDIS_STREAMS_TRANSPORT: unique symbol = Symbol('REDIS_STREAMS_TRANSPORT');
