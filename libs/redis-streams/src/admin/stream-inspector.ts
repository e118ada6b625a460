import type { RedisConnection } from '../redis/redis-connection';
import { redisErrorCode } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';
import { StreamKeys } from '../wire/stream-keys';
import { entryIdTime } from '../wire/entry-ids';
import { replyNumber, replyRecord, replyString } from './redis-replies';

/** A consumer group of a stream, as the operator needs to see it. */
export interface GroupSnapshot {
  name: string;
  /** Consumers registered in the group. */
  consumers: number;
  /** Consumers that talked to Redis within `activeWithinMs`. */
  activeConsumers: number;
  /** Entries delivered and not yet acknowledged (the PEL), source stream and retry lane together. */
  pending: number;
  /** Entries not yet delivered to the group. Redis reports nil after deletions; then counted from the stream. */
  lag: number;
  /** Failed deliveries waiting for their retry: scheduled, or due in the group's retry lane and not yet done. */
  scheduledRetries: number;
  /** lag + pending + scheduledRetries: the work the group still has to do (the autoscaling signal). */
  backlog: number;
  lastDeliveredId: string;
  /** Id of the oldest pending entry, null when nothing is pending. */
  oldestPendingId: string | null;
  /** Age of the oldest pending entry (Redis clock minus the time in its id), null when nothing is pending. */
  oldestPendingAgeMs: number | null;
}

/** One stream: its size, groups and dead-letter stream. */
export interface StreamSnapshot {
  stream: string;
  /** False when the key does not exist (never created, or deleted). */
  exists: boolean;
  length: number;
  firstEntryId: string | null;
  lastEntryId: string | null;
  groups: GroupSnapshot[];
  /** Entries in the stream's dead-letter stream (all groups). */
  deadLetters: number;
  /** Redis's clock when the snapshot was taken (ms since the epoch). */
  takenAt: number;
}

/** Options of {@link inspectStreams}. */
export interface InspectOptions {
  /** A consumer idle for less than this counts as active (default 60 s). */
  activeWithinMs?: number;
  /** Streams whose route names their dead-letter stream (`deadLetterStream`): stream → that name. */
  deadLetterStreams?: Readonly<Record<string, string>>;
}

/** Redis's clock in ms: ages are measured against it, not against this host's clock. */
export async function redisTime(redis: RedisConnection): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/**
 * Reads what an operator needs about each stream: length, first/last ids, and per group consumers, pending, lag,
 * scheduled retries, backlog and oldest pending age, plus the dead-letter count. A missing stream is reported with
 * `exists: false` and zeros, an empty one with null first/last ids — never an error.
 */
export async function inspectStreams(
  redis: RedisConnection,
  streams: readonly string[],
  options: InspectOptions = {},
): Promise<StreamSnapshot[]> {
  const now = await redisTime(redis);
  return Promise.all(streams.map((stream) => inspectStream(redis, stream, now, options)));
}

async function inspectStream(
  redis: RedisConnection,
  stream: string,
  now: number,
  options: InspectOptions,
): Promise<StreamSnapshot> {
  // A stream no consumer of this library may read (see StreamKeys.problemOf) has no derived keys to count.
  const named = StreamKeys.namedDeadLetter(options.deadLetterStreams, stream);
  const keyed = named !== undefined || StreamKeys.problemOf(stream) === undefined;
  const deadLetters = keyed ? await redis.xlen(StreamKeys.deadLetter(stream, named)) : 0;
  let info: Record<string, unknown>;
  try {
    info = replyRecord(await redis.xinfo('STREAM', stream));
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) {
      return {
        stream,
        exists: false,
        length: 0,
        firstEntryId: null,
        lastEntryId: null,
        groups: [],
        deadLetters,
        takenAt: now,
      };
    }
    throw error;
  }
  const groupReplies = (await redis.xinfo('GROUPS', stream)) as unknown[];
  const groups = await Promise.all(
    groupReplies.map((reply) =>
      inspectGroup(redis, keyed ? stream : undefined, stream, replyRecord(reply), now, options),
    ),
  );
  return {
    stream,
    exists: true,
    length: replyNumber(info.length) ?? 0,
    firstEntryId: entryIdOf(info['first-entry']),
    lastEntryId: entryIdOf(info['last-entry']),
    groups,
    deadLetters,
    takenAt: now,
  };
}

function entryIdOf(entry: unknown): string | null {
  return Array.isArray(entry) && entry.length > 0 ? replyString(entry[0]) : null;
}

async function inspectGroup(
  redis: RedisConnection,
  keyedStream: string | undefined,
  stream: string,
  info: Record<string, unknown>,
  now: number,
  options: InspectOptions,
): Promise<GroupSnapshot> {
  const name = replyString(info.name) ?? '';
  const lastDeliveredId = replyString(info['last-delivered-id']) ?? '0-0';
  const lane = keyedStream === undefined ? undefined : StreamKeys.retryLane(keyedStream, name);
  const [consumers, lanePending, laneLength, scheduled, lag] = await Promise.all([
    redis.xinfo('CONSUMERS', stream, name) as Promise<unknown[]>,
    lane === undefined ? { count: 0, oldestId: null } : pendingSummary(redis, lane, name),
    lane === undefined ? 0 : redis.xlen(lane),
    keyedStream === undefined ? 0 : redis.zcard(StreamKeys.retrySchedule(keyedStream, name)),
    lagOf(redis, stream, info, lastDeliveredId),
  ]);
  const active = options.activeWithinMs ?? 60_000;
  const sourcePending = await pendingSummary(redis, stream, name);
  const oldest = [sourcePending.oldestId, lanePending.oldestId]
    .filter((id): id is string => id !== null)
    .map((id) => ({ id, time: entryIdTime(id) }))
    .sort((a, b) => a.time - b.time)[0];
  const pending = sourcePending.count + lanePending.count;
  // Lane entries that are pending are counted once, as pending, not again as scheduled retries.
  const scheduledRetries = scheduled + Math.max(0, laneLength - lanePending.count);
  return {
    name,
    consumers: consumers.length,
    activeConsumers: consumers.filter((consumer) => (replyNumber(replyRecord(consumer).idle) ?? 0) < active)
      .length,
    pending,
    lag,
    scheduledRetries,
    backlog: lag + pending + scheduledRetries,
    lastDeliveredId,
    oldestPendingId: oldest?.id ?? null,
    oldestPendingAgeMs: oldest ? Math.max(0, now - oldest.time) : null,
  };
}

async function pendingSummary(
  redis: RedisConnection,
  key: string,
  group: string,
): Promise<{ count: number; oldestId: string | null }> {
  try {
    const [count, oldestId] = (await redis.xpending(key, group)) as [unknown, unknown];
    return { count: replyNumber(count) ?? 0, oldestId: replyString(oldestId) };
  } catch (error) {
    // No lane (nothing ever failed) or no group on it yet: nothing pending there.
    if (redisErrorCode(error) === 'NOGROUP') {
      return { count: 0, oldestId: null };
    }
    throw error;
  }
}

/**
 * XINFO's lag, or — nil after XDEL/XTRIM made it unknowable — the entries after the last delivered id, counted.
 * Redis 7.0 can also report a stale lag after a MAXLEN trim of entries the group never read (measured: lag 3 with
 * nothing unread): a reported lag is 0 when nothing follows the last delivered id, and never more than the stream holds.
 */
async function lagOf(
  redis: RedisConnection,
  stream: string,
  info: Record<string, unknown>,
  lastDeliveredId: string,
): Promise<number> {
  const reported = replyNumber(info.lag);
  if (reported === null) {
    return RedisScripts.for(redis).countAfter(stream, lastDeliveredId);
  }
  if (reported === 0) {
    return 0;
  }
  const [next, length] = await Promise.all([
    redis.xrange(stream, `(${lastDeliveredId}`, '+', 'COUNT', 1),
    redis.xlen(stream),
  ]);
  return next.length === 0 ? 0 : Math.min(reported, length);
}
