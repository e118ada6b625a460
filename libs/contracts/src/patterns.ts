/** An ingestion was asked for (API → `lightrag-workers`, on the ingestion queue). */
export const INGESTION_REQUESTED = 'ingestion.requested';
/** A worker took the job and split it into chunks. */
export const INGESTION_STARTED = 'ingestion.started';
/** One chunk of a job was processed. */
export const INGESTION_PROGRESS = 'ingestion.progress';
/** Every chunk of a job was processed. */
export const INGESTION_COMPLETED = 'ingestion.completed';
/** A job failed for good (retrying cannot help). */
export const INGESTION_FAILED = 'ingestion.failed';

/** Every `ingestion.*` pattern (the wildcard a metrics handler listens on). */
export const INGESTION_ANY = 'ingestion.*';

/** The work queue: one entry per requested ingestion (seed 000 `redis_stream_ingestion`). */
export const INGESTION_QUEUE_STREAM = 'shield:ingestion_queue';
/** The shared event bus: every other `ingestion.*` event, dispatched by `type` (seed 000 `redis_stream_events`). */
export const EVENTS_STREAM = 'shield:events';

/** Consumer group of the ingestion workers (seed 000 `redis_consumer_group_workers`). */
export const LIGHTRAG_WORKERS_GROUP = 'lightrag-workers';
/** Consumer group of the metrics collector (seed 000 `redis_consumer_group_metrics`). */
export const METRICS_COLLECTOR_GROUP = 'metrics-collector';
