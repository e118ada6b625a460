import { EVENTS_STREAM, INGESTION_QUEUE_STREAM } from '@app/contracts';

/** Injection token of the {@link EventsConfig}. */
export const EVENTS_CONFIG = Symbol('EVENTS_CONFIG');

/** Settings of the live event endpoints (`GET /events/stream`, `/events/ws`). */
export interface EventsConfig {
  /** Streams a client may follow (`EVENTS_STREAMS`, comma-separated). */
  streams: readonly string[];
  /** The stream followed when the request names none: `shield:events` when allowed, else the first allowed. */
  defaultStream: string;
  /** Heartbeat period (`EVENTS_HEARTBEAT_MS`): SSE comment lines, WebSocket pings. */
  heartbeatMs: number;
  /** Most live streams open at once, SSE and WebSocket together (`EVENTS_MAX_STREAMS`). */
  maxStreams: number;
  /** `Retry-After` of a refusal for too many open streams, in seconds. */
  retryAfterSeconds: number;
}

/** The defaults, written once. */
export const EVENTS_DEFAULTS = {
  streams: [EVENTS_STREAM, INGESTION_QUEUE_STREAM],
  heartbeatMs: 15_000,
  maxStreams: 100,
  retryAfterSeconds: 5,
} as const;

/**
 * Reads and validates the configuration from environment-like `read` (Nest's ConfigService in the app).
 * Throws on a value that is set but invalid, so a typo stops the app at start instead of being ignored.
 */
export function eventsConfigFrom(read: (name: string) => string | undefined): EventsConfig {
  const listed = (read('EVENTS_STREAMS') ?? '')
    .split(',')
    .map((stream) => stream.trim())
    .filter((stream) => stream.length > 0);
  const streams = listed.length > 0 ? [...new Set(listed)] : [...EVENTS_DEFAULTS.streams];
  return {
    streams,
    defaultStream: streams.includes(EVENTS_STREAM) ? EVENTS_STREAM : streams[0],
    heartbeatMs: integer(read, 'EVENTS_HEARTBEAT_MS', EVENTS_DEFAULTS.heartbeatMs, 10, 3_600_000),
    maxStreams: integer(read, 'EVENTS_MAX_STREAMS', EVENTS_DEFAULTS.maxStreams, 1, 100_000),
    retryAfterSeconds: EVENTS_DEFAULTS.retryAfterSeconds,
  };
}

function integer(
  read: (name: string) => string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const text = read(name)?.trim();
  if (text === undefined || text === '') {
    return fallback;
  }
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got "${text.slice(0, 32)}")`);
  }
  return value;
}
