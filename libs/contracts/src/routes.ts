import type { StreamRoute } from '@app/redis-streams';
import { EVENTS_STREAM, INGESTION_ANY, INGESTION_QUEUE_STREAM, INGESTION_REQUESTED } from './patterns';

/**
 * Pattern → stream routing shared by every producer and consumer of the ingestion topology. Order matters (the first
 * matching route wins): `ingestion.requested` goes to the work queue, every other `ingestion.*` to the event bus.
 * The queue is read with codec `auto` so the Python producers' flat task entries (no `data` field) are understood.
 * Frozen: one shared object, never mutated by anyone.
 */
export const routes: StreamRoute[] = Object.freeze([
  Object.freeze({
    stream: INGESTION_QUEUE_STREAM,
    patterns: Object.freeze([INGESTION_REQUESTED]) as string[],
    codec: 'auto',
  }),
  Object.freeze({ stream: EVENTS_STREAM, patterns: Object.freeze([INGESTION_ANY]) as string[] }),
]) as StreamRoute[];

/** Alias of {@link routes}, for call sites where a bare `routes` would be ambiguous. */
export const SHIELD_ROUTES = routes;
