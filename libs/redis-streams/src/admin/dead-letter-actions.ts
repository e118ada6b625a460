import { hostname, userInfo } from 'node:os';
import type { RedisConnection } from '../redis/redis-connection';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { RedisScripts } from '../lua/scripts';
import { encodePurgeLogEntry } from '../wire/dead-letter-record';
import { StreamKeys } from '../wire/stream-keys';
import { DeadLetterFilter, hasConditions, selectDeadLetters } from './dead-letters';

/** Which records a redrive or purge applies to: ids, or a filter; `all` must be said out loud. */
export interface DeadLetterSelection extends DeadLetterFilter {
  /** Dead-letter ids. When given, the filter conditions must hold for each too. */
  ids?: readonly string[];
  /** Required to act on every record when neither ids nor a condition is given. */
  all?: boolean;
  /** Most records acted on (default: no limit). */
  limit?: number;
  /** Who asked, recorded in the dead-letter log (default `user@host`). */
  by?: string;
}

/** Options of {@link redriveDeadLetters}. */
export interface RedriveOptions extends DeadLetterSelection {
  /** Report what would be redriven; change nothing. */
  dryRun?: boolean;
  /** Most redrives per second, so a redrive does not flood the group (default 100; 0 = unlimited). */
  ratePerSecond?: number;
}

/** What a redrive did (or, dry-run, would do). */
export interface RedriveResult {
  dryRun: boolean;
  /** Records redriven (or that would be): each back into its group's retry lane. */
  redriven: Array<{ deadLetterId: string; group: string; originalId: string; laneId?: string }>;
  /** Records left in the dead-letter stream, with why. */
  skipped: Array<{ deadLetterId: string; why: string }>;
}

/** Options of {@link purgeDeadLetters}. */
export interface PurgeOptions extends DeadLetterSelection {
  /** Must be true: purging deletes records for good. */
  confirm: boolean;
}

function requireSelection(selection: DeadLetterSelection): void {
  if (!selection.ids?.length && !hasConditions(selection) && selection.all !== true) {
    throw new InvalidOptionsError(
      'give dead-letter ids, a filter (group, reason, pattern, since, until) or all',
    );
  }
  const rate = (selection as RedriveOptions).ratePerSecond;
  if (rate !== undefined && (!Number.isFinite(rate) || rate < 0)) {
    throw new InvalidOptionsError('ratePerSecond must be a number ≥ 0');
  }
}

function operator(by: string | undefined): string {
  if (by) {
    return by.slice(0, 200);
  }
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}

/**
 * Sends dead-letter records back to the group they failed in — that group only, through its own retry lane, which
 * no other group reads — with a fresh delivery budget, the original fields (so the event id and trace context are
 * kept) and a link to the record (`LANE_FIELDS.redrivenFrom`). Each redrive is atomic (Lua) and recorded in the
 * dead-letter log. Records whose payload was truncated when dead-lettered are skipped: redriving them would
 * deliver a damaged event.
 */
export async function redriveDeadLetters(
  redis: RedisConnection,
  stream: string,
  options: RedriveOptions,
  /** The dead-letter stream's name when the stream's route names one (`deadLetterStream`). */
  named?: string,
): Promise<RedriveResult> {
  requireSelection(options);
  const { records, missing } = await selectDeadLetters(redis, stream, options, named);
  const result: RedriveResult = {
    dryRun: options.dryRun === true,
    redriven: [],
    skipped: missing.map((deadLetterId) => ({ deadLetterId, why: 'not found (or filtered out)' })),
  };
  const gapMs = options.ratePerSecond === 0 ? 0 : 1000 / (options.ratePerSecond ?? 100);
  const scripts = RedisScripts.for(redis);
  const by = operator(options.by);
  let next = Date.now();
  for (const record of records) {
    if (!record.group) {
      result.skipped.push({ deadLetterId: record.id, why: 'record names no group' });
      continue;
    }
    if (record.truncated) {
      result.skipped.push({ deadLetterId: record.id, why: 'truncated payload' });
      continue;
    }
    const target = { deadLetterId: record.id, group: record.group, originalId: record.originalId };
    if (result.dryRun) {
      result.redriven.push(target);
      continue;
    }
    const wait = next - Date.now();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    next = Math.max(next, Date.now()) + gapMs;
    const outcome = await scripts.redriveDeadLetter(
      StreamKeys.deadLetter(stream, named),
      StreamKeys.retryLane(stream, record.group),
      StreamKeys.deadLetterLog(stream, named),
      record.id,
      record.group,
      by,
    );
    if (outcome.redriven) {
      result.redriven.push({ ...target, laneId: outcome.laneId });
    } else {
      result.skipped.push({ deadLetterId: record.id, why: outcome.why });
    }
  }
  return result;
}

/** Deletes dead-letter records for good (needs `confirm: true`); the purge is recorded in the dead-letter log. */
export async function purgeDeadLetters(
  redis: RedisConnection,
  stream: string,
  options: PurgeOptions,
  /** As in {@link redriveDeadLetters}. */
  named?: string,
): Promise<{ purged: number; ids: string[] }> {
  if (options.confirm !== true) {
    throw new InvalidOptionsError('purging deletes dead letters for good: pass confirm (CLI: --yes)');
  }
  requireSelection(options);
  const { records } = await selectDeadLetters(redis, stream, options, named);
  const ids = records.map((record) => record.id);
  let purged = 0;
  const by = operator(options.by);
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const [[, deleted]] = (await redis
      .multi()
      .xdel(StreamKeys.deadLetter(stream, named), ...batch)
      .xadd(StreamKeys.deadLetterLog(stream, named), '*', ...encodePurgeLogEntry(batch, by))
      .exec()) as [[Error | null, number]];
    purged += Number(deleted);
  }
  return { purged, ids };
}
