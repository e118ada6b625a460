export { ServerRedisStreams } from './server/server-redis-streams';
export type {
  DeadLetteredEntry,
  HandlerFailure,
  RedisStreamsServerEvents,
  RedisStreamsServerStats,
  RedisStreamsStatus,
  RejectedEntry,
} from './server/server-types';
export { ClientRedisStreams } from './client/client-redis-streams';
export type { RedisStreamsClientEvents, RedisStreamsClientStatus } from './client/client-redis-streams';
export { RedisStreamsRecord } from './client/redis-streams.record';
export type { RedisStreamsRecordOptions } from './client/redis-streams.record';
export { RedisStreamsContext } from './ctx-host/redis-streams.context';
export type { DeliveryControl, RedisStreamsContextArgs } from './ctx-host/redis-streams.context';
export { EmitEvent } from './decorators/emit-event.decorator';
export { RedisStreamsHealthIndicator } from './health/redis-streams.health-indicator';
export type { HealthIndicatorResult } from './health/redis-streams.health-indicator';
export type { ReadLoopHealth } from './server/watchdog';
export { RedisStreamsExceptionFilter } from './filters/redis-streams-exception.filter';
export type { EmitEventOptions } from './decorators/emit-event.decorator';
export { RedisStreamsModule, getRedisStreamsClientToken } from './module/redis-streams.module';
export type {
  RedisStreamsModuleAsyncOptions,
  RedisStreamsModuleOptions,
  RedisStreamsOptionsFactory,
} from './module/redis-streams-module.options';
export { DEFAULT_SERVER_OPTIONS } from './options/server-options';
export { DEFAULT_DELIVERY_POLICY, deliveryPolicy } from './options/delivery-policy';
export type { BackoffOptions, DeliveryPolicy, DeliveryPolicyOptions } from './options/delivery-policy';
export { StreamKeys } from './wire/stream-keys';
export type { RedisStreamsServerOptions, ResolvedServerOptions } from './options/server-options';
export { DEFAULT_CLIENT_OPTIONS } from './options/client-options';
export type { RedisStreamsClientOptions, ResolvedClientOptions } from './options/client-options';
export type { EntryCodec, RoutingOptions, StreamRoute } from './options/routing-options';
export { DEFAULT_REDIS_URL } from './options/connection-options';
export type { RedisConnectionOptions } from './options/connection-options';
export { REDIS_STREAMS_TRANSPORT } from './constants';
export { ENVELOPE_FIELDS } from './wire/envelope';
export { describeError } from './errors/describe-error';
export { UnrecoverableEventError } from './errors/unrecoverable-event.error';
export { ConsumerNameInUseError, ConsumerNameLostError } from './server/consumer-lease';
export type { UnrecoverablePayload } from './errors/unrecoverable-event.error';
export { redisStreamsValidationExceptionFactory } from './errors/validation-exception-factory';
export type { FailureReason } from './wire/dead-letter-reasons';
export { BadEntryError } from './errors/bad-entry.error';
export type { BadEntryReason } from './wire/dead-letter-reasons';
export {
  InvalidEventError,
  InvalidOptionsError,
  RedisCommandError,
  RedisStreamsError,
} from './errors/redis-streams.error';
export { DEFAULT_TAIL_BLOCK_MS, DEFAULT_TAIL_COUNT, StreamTail } from './admin/stream-tail';
export type { StreamTailOptions, StreamTailStats } from './admin/stream-tail';
export { compileTypeFilter } from './wire/name-pattern';
export { parseTailPosition } from './wire/entry-ids';
export type { TailMalformedReason } from './wire/dead-letter-reasons';
export type { TailedEvent } from './wire/lenient-decoder';
export { inspectStreams, redisTime } from './admin/stream-inspector';
export type { GroupSnapshot, InspectOptions, StreamSnapshot } from './admin/stream-inspector';
export { discoverDeadLetterSources, discoverStreams } from './admin/stream-discovery';
export { getDeadLetter, listDeadLetters } from './admin/dead-letters';
export type { DeadLetterFilter, ListDeadLettersOptions } from './admin/dead-letters';
export type { DeadLetterRecord } from './wire/dead-letter-record';
export { purgeDeadLetters, redriveDeadLetters } from './admin/dead-letter-actions';
export type {
  DeadLetterSelection,
  PurgeOptions,
  RedriveOptions,
  RedriveResult,
} from './admin/dead-letter-actions';
export { parseTopology } from './admin/topology';
export type { GroupTopology, StreamTopology, Topology } from './admin/topology';
export { loadTopology } from './admin/topology-file';
export { applyTopology } from './admin/provision';
export type { ProvisionResult, ProvisionedGroup } from './admin/provision';
export { trimStreams } from './admin/janitor';
export type { TrimOptions, TrimResult } from './admin/janitor';
export { currentTraceContext, currentTraceparent, runWithTraceparent } from './tracing/trace-carrier';
export type { TraceContextHeaders } from './tracing/trace-carrier';
export { formatTraceparent, isValidTraceparent, parseTraceparent, traceIdOf } from './tracing/traceparent';
export type { ParsedTraceparent } from './tracing/traceparent';
export { TRACER_NAME } from './tracing/delivery-trace';
export {
  DEFAULT_INSPECT_TIMEOUT_MS,
  DEFAULT_MAX_PATTERNS,
  DEFAULT_METRICS_PREFIX,
  RedisStreamsMetrics,
} from './metrics/redis-streams-metrics';
export type { RedisStreamsMetricsOptions } from './metrics/redis-streams-metrics';
export { DEFAULT_DURATION_BUCKETS } from './metrics/metric-set';
export type { MetricsRegistry } from './metrics/metric-set';
export type { StreamList } from './metrics/stream-metrics';
export type { HandledEntry, RetriedEntry } from './server/server-types';
export type { EmitFailure, EmittedEvent } from './client/client-redis-streams';
export { budgetBreaches, describeBreach, isEmptyBudget } from './health/stream-budget';
export type { BudgetBreach, StreamBudget } from './health/stream-budget';
export { detailedStreamHealth, streamBudgetCheck } from './health/stream-health';
export type { DetailedHealthOptions, DetailedStreamHealth } from './health/stream-health';
