import type { StreamRoute } from '@app/redis-streams';
import { EVENTS_STREAM, INGESTION_ANY, INGESTION_QUEUE_STREAM, INGESTION_REQUESTED } from './patterns';

/**
 * Pattern → stream routing shared by every producer and consumer of the ingestion topology. Order matters (the first
 * matching route wins): `ingestion.requested` goes to the work queue, every other `ingestion.*` to the event bus.
 * Each route writes what the users' Python services parse (seed 000), so a service can move to Nest on its own:
 * - the queue is written `flat` (the task layout, see `IngestionTask`: `job_id`, `chunk_id`, `content`, `source_uri`,
 *   `source_type`, `metadata` JSON, `retry_count`, `timestamp`) and read `auto` (flat tasks and older envelopes);
 * - the event bus is written as the envelope (`type`, `data` JSON, `event_id`, `timestamp`, `headers`) plus the two
 *   fields seed 000's `emit_event` writes and its readers require: `job_id` (the payload's `jobId`, `''` without
 *   one) and `metadata` (JSON, `{}` unless the record gives one).
 * Frozen: one shared object, never mutated by anyone.
 */
export const routes: StreamRoute[] = Object.freeze([
  Object.freeze({
    stream: INGESTION_QUEUE_STREAM,
    patterns: Object.freeze([INGESTION_REQUESTED]) as string[],
    codec: 'auto',
    writeCodec: 'flat',
  }),
  Object.freeze({
    stream: EVENTS_STREAM,
    patterns: Object.freeze([INGESTION_ANY]) as string[],
    extraFields: Object.freeze([
      Object.freeze({ field: 'job_id', fromPayload: 'jobId' }),
      Object.freeze({ field: 'metadata', format: 'json' }),
    ]) as StreamRoute['extraFields'],
  }),
]) as StreamRoute[];

/** Alias of {@link routes}, for call sites where a bare `routes` would be ambiguous. */
export const SHIELD_ROUTES = routes;
