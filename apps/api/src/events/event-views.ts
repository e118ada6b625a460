import type { TailedEvent } from '@app/redis-streams/admin';

/** The JSON body of one live event (SSE `data:`). */
export interface EventPayloadView {
  event_id: string | null;
  type: string;
  timestamp: string | null;
  data: unknown;
  /** Only when the entry carries headers. */
  headers?: Record<string, string>;
  /** Only when part of the entry could not be decoded and is passed on as written. */
  malformed?: string;
}

/** One WebSocket message: the payload plus the Redis entry id. */
export interface EventMessageView extends EventPayloadView {
  id: string;
}

/** The payload view of an event: absent ids and timestamps are `null`, absent headers are left out. */
export function eventPayload(event: TailedEvent): EventPayloadView {
  const view: EventPayloadView = {
    event_id: event.eventId ?? null,
    type: event.type,
    timestamp: event.timestamp ?? null,
    data: event.data,
  };
  if (event.headers) {
    view.headers = event.headers;
  }
  if (event.malformed) {
    view.malformed = event.malformed;
  }
  return view;
}

/**
 * One Server-Sent Events message: `id:` the entry id (a browser reconnect sends it back as `Last-Event-ID`),
 * `event:` the type, `data:` the JSON payload (one line: JSON escapes line breaks).
 */
export function sseFrame(event: TailedEvent): string {
  // A line break in a type written by another producer would end the field and inject SSE lines.
  const name = event.type.replace(/[\r\n]/g, ' ');
  return `id: ${event.id}\nevent: ${name}\ndata: ${JSON.stringify(eventPayload(event))}\n\n`;
}

/** The SSE heartbeat: a comment line, ignored by EventSource, that keeps proxies from closing an idle stream. */
export const SSE_HEARTBEAT = ': heartbeat\n\n';

/** One WebSocket text frame: `{ id, type, event_id, timestamp, data, headers? }`. */
export function wsMessage(event: TailedEvent): string {
  const view: EventMessageView = { id: event.id, ...eventPayload(event) };
  return JSON.stringify(view);
}
