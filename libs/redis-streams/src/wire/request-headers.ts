/**
 * Headers that make an entry a request (`client.send()`): where to answer, which call the answer belongs to, and
 * until when the caller waits. They ride in the envelope's `headers` JSON, so readers that know nothing of requests
 * (the users' Python services) see an ordinary event.
 */
export const REQUEST_HEADERS = {
  /** The caller's reply stream (`nrs:reply:<instance>`). */
  replyTo: 'reply_to',
  /** Identifies the call within its caller; echoed in every reply. */
  correlationId: 'correlation_id',
  /** When the caller stops waiting (ISO-8601, the caller's clock): the request is not handled after it. */
  deadline: 'reply_deadline',
} as const;

/** A request as its handler's server reads it from the headers. */
export interface RequestAddress {
  replyTo: string;
  correlationId: string;
  /** Epoch ms; NaN when the header is missing or unreadable (the request then never expires). */
  deadline: number;
}

/** The request headers of a call, merged over the event's other headers. */
export function requestHeaders(
  headers: Readonly<Record<string, string>>,
  address: { replyTo: string; correlationId: string; deadline: number },
): Record<string, string> {
  return {
    ...headers,
    [REQUEST_HEADERS.replyTo]: address.replyTo,
    [REQUEST_HEADERS.correlationId]: address.correlationId,
    [REQUEST_HEADERS.deadline]: new Date(address.deadline).toISOString(),
  };
}

/** The request address in `headers`, or undefined when the entry is not a request (no reply stream or call id). */
export function readRequestAddress(headers: Readonly<Record<string, string>>): RequestAddress | undefined {
  const replyTo = headers[REQUEST_HEADERS.replyTo];
  const correlationId = headers[REQUEST_HEADERS.correlationId];
  if (!replyTo || !correlationId) {
    return undefined;
  }
  const deadline = headers[REQUEST_HEADERS.deadline];
  return { replyTo, correlationId, deadline: deadline ? Date.parse(deadline) : Number.NaN };
}
