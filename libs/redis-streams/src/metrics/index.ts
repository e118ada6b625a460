/**
 * `nest-redis-streams/metrics`: Prometheus metrics of servers, clients and streams through prom-client (an optional
 * peer dependency, loaded only by this entry point).
 */
export {
  DEFAULT_INSPECT_TIMEOUT_MS,
  DEFAULT_MAX_PATTERNS,
  DEFAULT_METRICS_PREFIX,
  RedisStreamsMetrics,
} from './redis-streams-metrics';
export type { RedisStreamsMetricsOptions } from './redis-streams-metrics';
export { DEFAULT_DURATION_BUCKETS } from './metric-set';
export type { MetricsRegistry } from './metric-set';
export type { StreamList } from './stream-metrics';
