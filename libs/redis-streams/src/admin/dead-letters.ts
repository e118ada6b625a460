import type { RedisConnection } from '../redis/redis-connection';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { StreamKeys } from '../wire/stream-keys';
import { DeadLetterRecord, decodeDeadLetter } from '../wire/dead-letter-record';
import { entryIdAt, entryIdTime, isCompleteEntryId, isEntryId } from '../wire/entry-ids';

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

function matches(record: DeadLetterRecord, filter: DeadLetterFilter): boolean {
  return (
    (filter.group === undefined || record.group === filter.group) &&
    (filter.reason === undefined || record.reason === filter.reason) &&
    (filter.pattern === undefined || record.pattern === filter.pattern)
  );
}

/** Records of `stream`'s dead-letter stream matching `options`, oldest first. */
export async function listDeadLetters(
  redis: RedisConnection,
  stream: string,
  options: ListDeadLettersOptions = {},
  /** The dead-letter stream's name when the stream's route names one (`deadLetterStream`). */
  named?: string,
): Promise<DeadLetterRecord[]> {
  validateFilter(options);
  const limit = options.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new InvalidOptionsError('limit must be a positive integer');
  }
  if (options.after !== undefined && !isEntryId(options.after)) {
    throw new InvalidOptionsError('after must be a dead-letter entry id');
  }
  const key = StreamKeys.deadLetter(stream, named);
  const end = options.until === undefined ? '+' : String(Math.floor(options.until));
  let start = options.after ? `(${options.after}` : options.since ? entryIdAt(options.since) : '-';
  if (options.after && options.since && entryIdTime(options.after) < options.since) {
    start = entryIdAt(options.since);
  }
  const found: DeadLetterRecord[] = [];
  for (;;) {
    const page = await redis.xrange(key, start, end, 'COUNT', PAGE);
    for (const [id, flat] of page) {
      const record = decodeDeadLetter(id, flat);
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
  redis: RedisConnection,
  stream: string,
  id: string,
  /** As in {@link listDeadLetters}. */
  named?: string,
): Promise<DeadLetterRecord | undefined> {
  if (!isCompleteEntryId(id)) {
    throw new InvalidOptionsError(`"${id.slice(0, 64)}" is not a dead-letter entry id (<ms>-<seq>)`);
  }
  const [entry] = await redis.xrange(StreamKeys.deadLetter(stream, named), id, id);
  return entry ? decodeDeadLetter(entry[0], entry[1]) : undefined;
}

/** The records `ids` names, or (no ids) every record matching `filter`, up to `limit`. */
export async function selectDeadLetters(
  redis: RedisConnection,
  stream: string,
  selection: DeadLetterFilter & { ids?: readonly string[]; limit?: number },
  /** As in {@link listDeadLetters}. */
  named?: string,
): Promise<{ records: DeadLetterRecord[]; missing: string[] }> {
  if (selection.ids && selection.ids.length > 0) {
    const records: DeadLetterRecord[] = [];
    const missing: string[] = [];
    for (const id of selection.ids) {
      const record = await getDeadLetter(redis, stream, id, named);
      if (record && matches(record, selection)) {
        records.push(record);
      } else {
        missing.push(id);
      }
    }
    return { records, missing };
  }
  return {
    records: await listDeadLetters(
      redis,
      stream,
      { ...selection, limit: selection.limit ?? Number.MAX_SAFE_INTEGER },
      named,
    ),
    missing: [],
  };
}
