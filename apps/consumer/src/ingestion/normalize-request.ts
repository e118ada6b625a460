import type { IngestionRequestedEvent } from '@app/contracts';
import secureJson from 'secure-json-parse';

/** A request the worker can process. */
export interface ValidIngestionRequest {
  ok: true;
  event: IngestionRequestedEvent;
}

/** A request that can never be processed; `jobId` is set when the entry named one (so the job can be failed). */
export interface InvalidIngestionRequest {
  ok: false;
  jobId?: string;
  reason: string;
}

/** What {@link normalizeIngestionRequest} makes of a payload. */
export type NormalizedIngestionRequest = ValidIngestionRequest | InvalidIngestionRequest;

/**
 * Turns the payload of an `ingestion.requested` entry into an {@link IngestionRequestedEvent}. Accepts our API's
 * camelCase payload and, as a courtesy, the Python producers' flat snake_case task entries (seed 000 `add_task`:
 * `job_id`, `source_uri`, `source_type`, `content`, `metadata` as a JSON string or already decoded; `chunk_id`,
 * `retry_count`, `timestamp` are ignored). camelCase wins when both spellings are present. Pure function.
 */
export function normalizeIngestionRequest(payload: unknown): NormalizedIngestionRequest {
  if (!isPlainObject(payload)) {
    return { ok: false, reason: 'payload is not an object' };
  }
  const field = (camel: string, snake: string): unknown => payload[camel] ?? payload[snake];
  const jobId = field('jobId', 'job_id');
  if (typeof jobId !== 'string' || jobId.trim() === '') {
    return { ok: false, reason: 'jobId is missing' };
  }
  const sourceUri = field('sourceUri', 'source_uri');
  const sourceType = field('sourceType', 'source_type');
  const content = contentOf(payload.content);
  const metadata = metadataOf(payload.metadata);
  if (typeof sourceUri !== 'string' || sourceUri === '') {
    return { ok: false, jobId, reason: 'sourceUri is missing' };
  }
  if (typeof sourceType !== 'string' || sourceType === '') {
    return { ok: false, jobId, reason: 'sourceType is missing' };
  }
  if (content === undefined) {
    return { ok: false, jobId, reason: 'content is missing or not text' };
  }
  if (metadata === undefined) {
    return { ok: false, jobId, reason: 'metadata is not a JSON object' };
  }
  return { ok: true, event: { jobId, sourceUri, sourceType, content, metadata } };
}

/**
 * The content as text. A flat entry whose content looks like JSON (`{…}`, `[…]`) reaches us decoded by the transport's
 * flat codec; it is turned back into JSON text (same data, whitespace may differ).
 */
function contentOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (value !== null && typeof value === 'object') {
    return JSON.stringify(value);
  }
  return undefined;
}

/** The metadata as an object: absent or empty means `{}`, a JSON string is decoded. */
function metadataOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') {
    return {};
  }
  if (isPlainObject(value)) {
    return value;
  }
  if (typeof value === 'string') {
    try {
      // Prototype-poisoning-safe: a `__proto__` or `constructor.prototype` key is refused, not merged.
      const parsed: unknown = secureJson.parse(value, undefined, {
        protoAction: 'error',
        constructorAction: 'error',
      });
      return isPlainObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
