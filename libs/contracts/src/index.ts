export {
  EVENTS_STREAM,
  INGESTION_ANY,
  INGESTION_COMPLETED,
  INGESTION_FAILED,
  INGESTION_PROGRESS,
  INGESTION_QUEUE_STREAM,
  INGESTION_REQUESTED,
  INGESTION_STARTED,
  LIGHTRAG_WORKERS_GROUP,
  METRICS_COLLECTOR_GROUP,
} from './patterns';
export { SHIELD_ROUTES, routes } from './routes';
export { MAX_CONTENT_BYTES, MAX_EVENT_PAYLOAD_BYTES, MAX_REQUEST_BODY_BYTES } from './limits';
export { SOURCE_TYPES } from './source-types';
export type { SourceType } from './source-types';
export type {
  IngestionCompletedEvent,
  IngestionEventPayloads,
  IngestionFailedEvent,
  IngestionProgressEvent,
  IngestionRequestedEvent,
  IngestionStartedEvent,
} from './events';
export { EVENT_COUNTS_KEY, jobKey } from './keys';
export { CreateIngestionDto } from './dto/create-ingestion.dto';
export { MaxUtf8Bytes, fitsUtf8Bytes } from './validators/max-utf8-bytes.decorator';
export { JOB_STATUSES, JOB_STATUS_TTL_SECONDS, isJobStatus } from './job-status/job-status';
export type { JobStatus, JobStatusRecord, JobTransition } from './job-status/job-status';
export { JobStatusStore } from './job-status/job-status.store';
export { SHIELD_REDIS, ShieldRedisModule, redisUrlFrom } from './redis/shield-redis.module';
export { streamsClientOptions } from './redis/streams-client-options';
export { pingRedis } from './redis/ping';
export { FRONTEND_GROUPS, SHIELD_TOPOLOGY } from './topology/shield-topology';
export { StreamsTopology } from './topology/streams-topology';
export { StreamsTopologyModule } from './topology/streams-topology.module';
export { streamBudgetFrom } from './operations/stream-budget-config';
export { StreamOperations } from './operations/stream-operations.service';
export { DetailedHealthController } from './operations/detailed-health.controller';
export { METRICS_REGISTRY, MetricsController } from './operations/metrics.controller';
