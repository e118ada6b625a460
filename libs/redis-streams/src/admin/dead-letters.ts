import type { Redis } from 'ioredis';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { StreamKeys } from '../wire/stream-keys';
import { entryIdAt, entryIdTime, isEntryId } from '../wire/entry-ids';

/** Which dead-letter records an operation applies to. Every given condition must hold. */
export interface DeadLetterFilter {
  /** The group the entry failed in. */
  group?: string;
  /** The failure reason (`handler-error`, `max-deliveries`, `validation`, `no-handler`, `invalid-json` …). */
  reason?: string;
  /** The event type / pattern. */
  pattern?: string;
  /** Dead-lettered at or after (ms since the epoch). */
  since?: number;
  /** Dead-lettered at or before (ms since the epoch). */
  until?: number;
}

/** One dead-letter record: where and why the entry failed, and the entry's own fields. */
export interface DeadLetterRecord {
  /** Its id in the dead-letter stream. */
  id: string;
  stream: string;
  group: string;
  consumer: string;
  pattern: string;
  /** The entry's id in the source stream. */
  originalId: string;
  eventId: string | null;
  attempts: number;
  reason: string;
  errorClass: string;
  errorMessage: string;
  errorStack: string;
  constraints: string[];
  firstFailure: string;
  lastFailure: string;
  /** When it was dead-lettered (ms since the epoch, from its id). */
  deadLetteredAt: number;
  /** A field of the entry was longer than the cap and was cut: such a record cannot be redriven. */
  truncated: boolean;
  /** The entry's own fields as written by its producer. */
  fields: Record<string, string>;
}

/** Options of {@link listDeadLetters}. */
export interface ListDeadLettersOptions extends DeadLetterFilter {
  /** Most records returned (default 100). */
  limit?: number;
  /** Start after this dead-letter id (paging). */
  after?: string;
}

const PAGE = 500;

/** Checks a filter, so a typo fails loudly instead of matching nothing (or everything). */
export function validateFilter(filter: DeadLetterFilter): void {
  for (const bound of ['since', 'until'] as const) {
    const value = filter[bound];
    if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
      throw new InvalidOptionsError(`${bound} must be a time in ms since the epoch`);
    }
  }
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new InvalidOptionsError('since is after until');
  }
}

/** True when at least one condition is set (an empty filter matches every record). */
export function hasConditions(filter: DeadLetterFilter): boolean {
  return [filter.group, filter.reason, filter.pattern, filter.since, filter.until].some(
    (value) => value !== undefined,
  );
}

/** Parses one dead-letter entry (field/value list as XRANGE returns it). */
export function toDeadLetterRecord(id: string, flat: string[]): DeadLetterRecord {
  const meta: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    (flat[i].startsWith('dlq_') ? meta : fields)[flat[i]] = flat[i + 1];
  }
  return {
    id,
    stream: meta.dlq_stream ?? '',
    group: meta.dlq_group ?? '',
    consumer: meta.dlq_consumer ?? '',
    pattern: meta.dlq_pattern || fields.type || '',
    originalId: meta.dlq_original_id ?? '',
    eventId: fields.event_id ?? null,
    attempts: Number(meta.dlq_attempts ?? 0),
    reason: meta.dlq_reason ?? '',
    errorClass: meta.dlq_error_class ?? '',
    errorMessage: meta.dlq_error_message ?? '',
    errorStack: meta.dlq_error_stack ?? '',
    constraints: meta.dlq_constraints ? meta.dlq_constraints.split(',') : [],
    firstFailure: meta.dlq_first_failure ?? '',
    lastFailure: meta.dlq_last_failure ?? '',
    deadLetteredAt: entryIdTime(id),
    truncated: meta.dlq_truncated === 'true',
    fields,
  };
}

function matches(record: DeadLetterRecord, filter: DeadLetterFilter): boolean {
  return (
    (filter.group === undefined || record.group === filter.group) &&
    (filter.reason === undefined || record.reason === filter.reason) &&
    (filter.pattern === undefined || record.pattern === filter.pattern)
  );
}

/** Records of `stream`'s dead-letter stream matching `options`, oldest first. */
export async function listDeadLetters(
  redis: Redis,
  stream: string,
  options: ListDeadLettersOptions = {},
): Promise<DeadLetterRecord[]> {
  validateFilter(options);
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidOptionsError('limit must be a positive integer');
  }
  if (options.after !== undefined && !isEntryId(options.after)) {
    throw new InvalidOptionsError('after must be a dead-letter entry id');
  }
  const key = StreamKeys.deadLetter(stream);
  const end = options.until === undefined ? '+' : String(Math.floor(options.until));
  let start = options.after ? `(${options.after}` : options.since ? entryIdAt(options.since) : '-';
  if (options.after && options.since && entryIdTime(options.after) < options.since) {
    start = entryIdAt(options.since);
  }
  const found: DeadLetterRecord[] = [];
  for (;;) {
    const page = await redis.xrange(key, start, end, 'COUNT', PAGE);
    for (const [id, flat] of page) {
      const record = toDeadLetterRecord(id, flat);
      if (matches(record, options)) {
        found.push(record);
        if (found.length >= limit) {
          return found;
        }
      }
    }
    if (page.length < PAGE) {
      return found;
    }
    start = `(${page[page.length - 1][0]}`;
  }
}

/** One dead-letter record by id, or undefined. */
export async function getDeadLetter(
  redis: Redis,
  stream: string,
  id: string,
): Promise<DeadLetterRecord | undefined> {
  if (!/^\d+-\d+$/.test(id)) {
    throw new InvalidOptionsError(`"${id.slice(0, 64)}" is not a dead-letter entry id (<ms>-<seq>)`);
  }
  const [entry] = await redis.xrange(StreamKeys.deadLetter(stream), id, id);
  return entry ? toDeadLetterRecord(entry[0], entry[1]) : undefined;
}

/** The records `ids` names, or (no ids) every record matching `filter`, up to `limit`. */
export async function selectDeadLetters(
  redis: Redis,
  stream: string,
  selection: DeadLetterFilter & { ids?: readonly string[]; limit?: number },
): Promise<{ records: DeadLetterRecord[]; missing: string[] }> {
  if (selection.ids && selection.ids.length > 0) {
    const records: DeadLetterRecord[] = [];
    const missing: string[] = [];
    for (const id of selection.ids) {
      const record = await getDeadLetter(redis, stream, id);
      if (record && matches(record, selection)) {
        records.push(record);
      } else {
        missing.push(id);
      }
    }
    return { records, missing };
  }
  return {
    records: await listDeadLetters(redis, stream, {
      ...selection,
      limit: selection.limit ?? Number.MAX_SAFE_INTEGER,
    }),
    missing: [],
  };
}
