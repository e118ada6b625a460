/**
 * Transport ids of the consumer's two Redis Streams servers. A handler declared with
 * `@EventPattern(pattern, WORKERS)` is bound to the `lightrag-workers` server only, one with `METRICS` to the
 * `metrics-collector` server only: each group gets its own handlers although both live in one app.
 */
export const WORKERS: unique symbol = Symbol('lightrag-workers');

/** Transport id of the `metrics-collector` server; see {@link WORKERS}. */
export const METRICS: unique symbol = Symbol('metrics-collector');

/** Injection token of the consumer's own ClientRedisStreams (named, so it never replaces another app's emitter). */
export const CONSUMER_EVENTS_CLIENT: unique symbol = Symbol('consumer-events-client');
