import {
  INGESTION_COMPLETED,
  INGESTION_FAILED,
  INGESTION_PROGRESS,
  INGESTION_REQUESTED,
  INGESTION_STARTED,
} from './patterns';

/** Payload of `ingestion.requested`: the work to do. */
export interface IngestionRequestedEvent {
  jobId: string;
  sourceUri: string;
  /** One of SOURCE_TYPES when written by the API; other producers may write other kinds. */
  sourceType: string;
  content: string;
  metadata: Record<string, unknown>;
}

/** Payload of `ingestion.started`. */
export interface IngestionStartedEvent {
  jobId: string;
  chunkCount: number;
}

/** Payload of `ingestion.progress`: one per chunk, `chunkIndex` from 0. */
export interface IngestionProgressEvent {
  jobId: string;
  chunkIndex: number;
  chunkCount: number;
}

/** Payload of `ingestion.completed`. */
export interface IngestionCompletedEvent {
  jobId: string;
  chunkCount: number;
}

/** Payload of `ingestion.failed`: the job will not be retried. */
export interface IngestionFailedEvent {
  jobId: string;
  reason: string;
}

/** Pattern → payload type, for typed producers and handlers. */
export interface IngestionEventPayloads {
  [INGESTION_REQUESTED]: IngestionRequestedEvent;
  [INGESTION_STARTED]: IngestionStartedEvent;
  [INGESTION_PROGRESS]: IngestionProgressEvent;
  [INGESTION_COMPLETED]: IngestionCompletedEvent;
  [INGESTION_FAILED]: IngestionFailedEvent;
}
