import {
  INGESTION_COMPLETED,
  INGESTION_FAILED,
  INGESTION_PROGRESS,
  INGESTION_REQUESTED,
  INGESTION_STARTED,
} from './patterns';

/** An `ingestion.requested` task as the worker understands it (read from an {@link IngestionTask} or older entries). */
export interface IngestionRequestedEvent {
  jobId: string;
  sourceUri: string;
  /** One of SOURCE_TYPES when written by the API; other producers may write other kinds. */
  sourceType: string;
  content: string;
  metadata: Record<string, unknown>;
}

/**
 * What is written on the ingestion queue for `ingestion.requested`: the seed's task layout (seed 000 `add_task`), one
 * flat field per key (the queue's route writes `flat`), so the Python `lightrag-workers` parse it as they always
 * did: `metadata` as JSON, `retry_count` as a decimal. The API submits a whole document as one task (`chunk_id`
 * `<job_id>:0`). The worker reads it back into an {@link IngestionRequestedEvent}.
 */
export interface IngestionTask {
  job_id: string;
  chunk_id: string;
  content: string;
  source_uri: string;
  source_type: string;
  metadata: Record<string, unknown>;
  retry_count: number;
  /** ISO-8601 time the task was queued. */
  timestamp: string;
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
  [INGESTION_REQUESTED]: IngestionTask;
  [INGESTION_STARTED]: IngestionStartedEvent;
  [INGESTION_PROGRESS]: IngestionProgressEvent;
  [INGESTION_COMPLETED]: IngestionCompletedEvent;
  [INGESTION_FAILED]: IngestionFailedEvent;
}
