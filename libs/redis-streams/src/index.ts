/**
 * `nest-redis-streams`: the transport — server, client, context, module, decorators, delivery policy, errors, the
 * health indicator and the wire constants. Operations live in `nest-redis-streams/admin`, Prometheus metrics in
 * `nest-redis-streams/metrics`: importing this entry point loads neither (nor yaml, commander or prom-client).
 */
export { ServerRedisStreams } from './server/server-redis-streams';
export type {
  CircuitClosedEvent,
  CircuitOpenedEvent,
  CircuitStatus,
  DeadLetteredEntry,
  DeferredEntry,
  ExpiredEntry,
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
export type { CircuitBreakerOptions, CircuitBreakerSettings } from './options/circuit-breaker-options';
export type { CircuitOpenCause, CircuitState } from './server/circuit-breaker';
export type { OnExpired } from './options/expiry-options';
export { StreamKeys } from './wire/stream-keys';
export type { RedisStreamsServerOptions, ResolvedServerOptions } from './options/server-options';
export { DEFAULT_CLIENT_OPTIONS } from './options/client-options';
export type { RedisStreamsClientOptions, ResolvedClientOptions } from './options/client-options';
export type { EntryCodec, RoutingOptions, StreamRoute } from './options/routing-options';
export type { ExtraFieldSpec, ExtraFieldValue, WriteCodec } from './options/write-options';
export { DEFAULT_REDIS_URL } from './options/connection-options';
export type { RedisConnectionOptions, RedisTlsOptions } from './options/connection-options';
export { REDIS_STREAMS_TRANSPORT } from './constants';
export { ENVELOPE_FIELDS } from './wire/envelope';
export { UnrecoverableEventError } from './errors/unrecoverable-event.error';
export { describeError } from './errors/describe-error';
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
  RequestTimeoutError,
} from './errors/redis-streams.error';
export type { RequestStats } from './client/request-calls';
export type { ReplyError } from './wire/reply-fields';

export { currentTraceparent, runWithTraceparent } from './tracing/trace-carrier';
export { isValidTraceparent } from './tracing/traceparent';
export type { TraceContextHeaders } from './tracing/trace-carrier';
export type { HandledEntry, RetriedEntry } from './server/server-types';
export { Idempotent } from './decorators/idempotent.decorator';
export type { IdempotentOptions } from './options/idempotency-options';
export type { EffectArgument, IdempotentEffects } from './ctx-host/idempotent-effects';
export type { DuplicateSkippedEntry } from './server/server-types';
export type { EmitFailure, EmittedEvent, ReplicatedEmit } from './client/client-redis-streams';
export type { ReplicationOptions } from './options/replication-options';
