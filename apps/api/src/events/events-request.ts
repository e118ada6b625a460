import { compileTypeFilter, parseTailPosition } from '@app/redis-streams/admin';
import { EventsConfig } from './events.config';

/** What a client asked to follow, validated. */
export interface EventsRequest {
  stream: string;
  /** Exact types or `prefix*`; empty: every type. */
  types: string[];
  /** `$` (new events only), or the entry id to replay after (`0-0`: everything). */
  from: string;
}

/** Query values as Express (or a URL's search params) give them. */
export type QueryValues = Record<string, unknown>;

/** The request cannot be served as asked: a 400 (SSE) or a 1008 close (WebSocket). The message says why. */
export class EventsRequestError extends Error {}

/**
 * Validates a live-events request: `stream` (allowed streams only), `type` (comma-separated, repeatable),
 * the position from `lastEventId` (the SSE `Last-Event-ID` header of a browser reconnect: it wins), else `from`,
 * else the seed's `last_id`, else `$`.
 */
export function parseEventsRequest(
  query: QueryValues,
  lastEventId: string | undefined,
  config: EventsConfig,
): EventsRequest {
  const stream = single(query, 'stream') ?? config.defaultStream;
  if (!config.streams.includes(stream)) {
    throw new EventsRequestError(
      `stream "${stream.slice(0, 64)}" is not served here; allowed: ${config.streams.join(', ')}`,
    );
  }
  const typeValues = query.type === undefined ? [] : [query.type].flat();
  if (!typeValues.every((value): value is string => typeof value === 'string')) {
    throw new EventsRequestError('type must be a comma-separated list of event types');
  }
  const types = typeValues
    .flatMap((value) => value.split(','))
    .map((type) => type.trim())
    .filter((type) => type.length > 0);
  const position = lastEventId?.trim() || single(query, 'from') || single(query, 'last_id');
  try {
    compileTypeFilter(types);
    return { stream, types, from: parseTailPosition(position ?? '$') };
  } catch (error) {
    throw new EventsRequestError(error instanceof Error ? error.message : 'invalid request');
  }
}

function single(query: QueryValues, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new EventsRequestError(`${name} must be given once, as text`);
  }
  return value;
}

/** The query of a request URL (`/events/ws?stream=…`) as {@link QueryValues}: repeated names become arrays. */
export function queryOf(url: string | undefined): QueryValues {
  // No prototype: a `__proto__` parameter stays a plain value.
  const query = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URL(url ?? '/', 'http://localhost').searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [seen].flat().concat(value);
  }
  return query;
}
