/**
 * The event contracts of the ingestion topology: pattern, stream and group names, the pattern → stream routes, the
 * payload types and the request DTO with its validators and limits. What every producer and consumer must agree on,
 * in any language; no Redis connection, no Nest module.
 */
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
  IngestionTask,
} from './events';
export { CreateIngestionDto } from './dto/create-ingestion.dto';
export { SEED_EVENT_DTOS } from './dto/seed-event-dtos';
export type { SeedEventType } from './dto/seed-event-dtos';
export { SeedEventMetadataDto } from './dto/seed-event-metadata.dto';
export { EmailReceivedDto } from './dto/email-received.dto';
export { DocumentProcessedDto } from './dto/document-processed.dto';
export { PipelineErrorDto } from './dto/pipeline-error.dto';
export { ServiceDownDto } from './dto/service-down.dto';
export { TRUST_LEVELS, TrustLevelChangedDto } from './dto/trust-level-changed.dto';
export type { TrustLevel } from './dto/trust-level-changed.dto';
export { ActionCorrectedDto } from './dto/action-corrected.dto';
export { ActionValidatedDto } from './dto/action-validated.dto';
export { MaxUtf8Bytes, fitsUtf8Bytes } from './validators/max-utf8-bytes.decorator';
