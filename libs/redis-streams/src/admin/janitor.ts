import type { RedisConnection } from '../redis/redis-connection';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { RedisScripts } from '../lua/scripts';
import { entryIdAt } from '../wire/entry-ids';
import { redisTime } from './stream-inspector';

/** Options of {@link trimStreams}. */
export interface TrimOptions {
  /** Count what would be removed; remove nothing. */
  dryRun?: boolean;
  /** Keep entries younger than this even when every group acknowledged them (default 0: keep none). */
  minRetentionMs?: number;
  /** A dry run stops counting here (default 1,000,000). */
  countLimit?: number;
}

/** What the janitor did to one stream. */
export interface TrimResult {
  stream: string;
  /** `trimmed`, `dry-run`, `no-groups` (left alone: no group has acknowledged anything) or `missing`. */
  status: 'trimmed' | 'dry-run' | 'no-groups' | 'missing';
  /** Entries with smaller ids were (or would be) removed; null when nothing was considered. */
  trimPoint: string | null;
  /** Entries removed (dry run: that would be, up to countLimit). */
  removed: number;
}

const STATUSES = new Set(['trimmed', 'dry-run', 'no-groups', 'missing']);

/**
 * Trims each stream with XTRIM MINID behind its slowest group: nothing a group has not acknowledged (pending) or not
 * yet read (lag) is ever removed, unlike MAXLEN. Retry lanes and dead-letter streams are not touched (they hold
 * only live work and records an operator must act on). Each stream is decided and trimmed atomically (Lua).
 */
export async function trimStreams(
  redis: RedisConnection,
  streams: ReadonlyArray<string | { name: string; minRetentionMs?: number }>,
  options: TrimOptions = {},
): Promise<TrimResult[]> {
  const countLimit = options.countLimit ?? 1_000_000;
  if (!Number.isInteger(countLimit) || countLimit < 1) {
    throw new InvalidOptionsError('countLimit must be a positive integer');
  }
  const scripts = RedisScripts.for(redis);
  const now = await redisTime(redis);
  const results: TrimResult[] = [];
  for (const item of streams) {
    const stream = typeof item === 'string' ? item : item.name;
    const retention =
      (typeof item === 'string' ? undefined : item.minRetentionMs) ?? options.minRetentionMs ?? 0;
    if (!Number.isFinite(retention) || retention < 0) {
      throw new InvalidOptionsError('minRetentionMs must be ≥ 0');
    }
    const bound = retention > 0 ? entryIdAt(now - retention) : '';
    const { status, point, count } = await scripts.trimBehindGroups(
      stream,
      bound,
      options.dryRun === true,
      countLimit,
    );
    results.push({
      stream,
      status: (STATUSES.has(status) ? status : 'missing') as TrimResult['status'],
      trimPoint: point === '' ? null : point,
      removed: count,
    });
  }
  return results;
}
