import { jsonFieldText } from './field-value';
import { parseJsonSafely } from './safe-json';

/** Field names of a reply entry (one `XADD` on the caller's reply stream per reply). */
export const REPLY_FIELDS = {
  correlationId: 'correlation_id',
  /** One of {@link ReplyKind}. */
  kind: 'kind',
  /** JSON of the value (`next`, `last`) or of the error (`error`); absent for `complete` and an undefined value. */
  data: 'data',
} as const;

/** The entry that creates a reply stream (a stream cannot exist empty); readers skip it. */
export const REPLY_STREAM_OPENING: readonly string[] = ['opened', '1'];

/**
 * - `next`: one value of a handler's Observable; more follow.
 * - `last`: the final value, and the end of the call (a handler that returned one value answers with one `last`).
 * - `complete`: the end, without a value.
 * - `error`: the handler failed; the end of the call.
 */
export type ReplyKind = 'next' | 'last' | 'complete' | 'error';

const KINDS: ReadonlySet<string> = new Set<ReplyKind>(['next', 'last', 'complete', 'error']);

/** What an answering handler sent. */
export interface Reply {
  correlationId: string;
  kind: ReplyKind;
  /** The value or the error payload; undefined when the entry had no `data`. */
  data?: unknown;
}

/** The error payload of an `error` reply: what the caller receives inside an `RpcException`. */
export interface ReplyError {
  status: 'error';
  message: string;
  /** The error's class name, when it had one. */
  name?: string;
  /** Only when the server's `replyErrorStack` option is on. */
  stack?: string;
}

/** Caps on a reply's `data` (the consumer's payload limits). */
export interface ReplyLimits {
  maxPayloadBytes: number;
  maxDepth: number;
}

/** The field/value list of one reply. Throws InvalidEventError when the value cannot be written as JSON. */
export function encodeReply(reply: Reply, limits: ReplyLimits): string[] {
  const fields: string[] = [REPLY_FIELDS.correlationId, reply.correlationId, REPLY_FIELDS.kind, reply.kind];
  if (reply.data !== undefined) {
    fields.push(REPLY_FIELDS.data, jsonFieldText(`reply to call ${reply.correlationId}`, reply.data, limits));
  }
  return fields;
}

/**
 * Reads one reply entry; undefined for an entry that is not a reply (the stream's opening entry) or cannot be read
 * (it is dropped: nothing in it can be trusted to name its call).
 */
export function decodeReply(fields: readonly Buffer[] | null, maxDepth: number): Reply | undefined {
  if (!fields) {
    return undefined;
  }
  let correlationId: string | undefined;
  let kind: string | undefined;
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i].toString();
    if (name === REPLY_FIELDS.correlationId) {
      correlationId = fields[i + 1].toString();
    } else if (name === REPLY_FIELDS.kind) {
      kind = fields[i + 1].toString();
    } else if (name === REPLY_FIELDS.data) {
      data = fields[i + 1].toString();
    }
  }
  if (!correlationId || !kind || !KINDS.has(kind)) {
    return undefined;
  }
  try {
    return {
      correlationId,
      kind: kind as ReplyKind,
      data: data === undefined ? undefined : parseJsonSafely(data, maxDepth),
    };
  } catch {
    return { correlationId, kind: 'error', data: unreadable() };
  }
}

function unreadable(): ReplyError {
  return { status: 'error', message: 'the reply could not be read (invalid or too deeply nested JSON)' };
}
