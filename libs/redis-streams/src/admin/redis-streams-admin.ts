import type { RedisConnection } from '../redis/redis-connection';
import {
  DetailedHealthOptions,
  DetailedStreamHealth,
  detailedStreamHealth,
  streamBudgetCheck,
} from '../health/stream-health';
import { HealthIndicatorResult } from '../health/redis-streams.health-indicator';
import { StreamBudget } from '../health/stream-budget';
import { DeadLetterRecord } from '../wire/dead-letter-record';
import {
  PurgeOptions,
  RedriveOptions,
  RedriveResult,
  purgeDeadLetters,
  redriveDeadLetters,
} from './dead-letter-actions';
import { ListDeadLettersOptions, getDeadLetter, listDeadLetters } from './dead-letters';
import { TrimOptions, TrimResult, trimStreams } from './janitor';
import { ProvisionResult, applyTopology } from './provision';
import { InspectOptions, StreamSnapshot, inspectStreams, redisTime } from './stream-inspector';
import { discoverDeadLetterSources, discoverStreams } from './stream-discovery';
import { StreamTail, StreamTailOptions } from './stream-tail';
import { Topology } from './topology';
import { PendingRow, parsePendingReply } from '../redis/stream-replies';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { StreamKeys } from '../wire/stream-keys';

/** Options of a {@link RedisStreamsAdmin}. */
export interface RedisStreamsAdminOptions {
  /**
   * Streams whose route names its own dead-letter stream (the route option `deadLetterStream`): stream → that
   * name. Every dead-letter call on such a stream uses it; see `deadLetterStreamsOf(topology)` for a topology file.
   */
  deadLetterStreams?: Readonly<Record<string, string>>;
}

/**
 * Everything an operator does with the streams of a deployment, on one connection the caller owns (the admin never
 * closes it): inspect, health and budgets, dead letters (list, show, redrive, purge), provisioning, trimming and
 * tailing. The CLI and the demo API's operations endpoints are thin shells over it.
 *
 * @example
 * const admin = new RedisStreamsAdmin(new Redis(process.env.REDIS_URL));
 * const [orders] = await admin.inspect(['orders']);
 */
export class RedisStreamsAdmin {
  constructor(
    /** The connection every call uses (shared; XREAD for tails runs on a duplicate of it). */
    readonly redis: RedisConnection,
    readonly options: RedisStreamsAdminOptions = {},
  ) {
    for (const [stream, named] of Object.entries(options.deadLetterStreams ?? {})) {
      if (typeof named !== 'string' || named.length === 0 || named === stream) {
        throw new InvalidOptionsError(
          `deadLetterStreams["${stream}"] must name a stream other than the source stream`,
        );
      }
    }
  }

  /** Redis's clock (epoch ms): ages are measured with it, not the host's. */
  time(): Promise<number> {
    return redisTime(this.redis);
  }

  /** Streams that have consumer groups, sorted (SCAN; derived keys left out). */
  streams(): Promise<string[]> {
    return discoverStreams(this.redis);
  }

  /** Source streams that have a dead-letter stream (found by name, plus those named in `deadLetterStreams`). */
  async deadLetterSources(): Promise<string[]> {
    const found = await discoverDeadLetterSources(this.redis);
    const named: string[] = [];
    for (const [stream, key] of Object.entries(this.options.deadLetterStreams ?? {})) {
      if ((await this.redis.exists(key)) === 1) {
        named.push(stream);
      }
    }
    return [...new Set([...found, ...named])].sort();
  }

  /** Length, ids, groups, consumers, pending, lag, retries, backlog and ages of each stream. */
  inspect(streams: readonly string[], options?: InspectOptions): Promise<StreamSnapshot[]> {
    return inspectStreams(this.redis, streams, {
      deadLetterStreams: this.options.deadLetterStreams,
      ...options,
    });
  }

  /** PING latency and every stream's snapshot, never throwing (a failure is reported in the result). */
  health(streams: readonly string[], options?: DetailedHealthOptions): Promise<DetailedStreamHealth> {
    return detailedStreamHealth(this.redis, streams, options);
  }

  /** A Terminus-style result: `up` while every stream keeps within `budget`, `down` with the breaches otherwise. */
  checkBudget<Key extends string>(
    key: Key,
    streams: readonly string[],
    budget: StreamBudget,
    timeoutMs?: number,
  ): Promise<HealthIndicatorResult<Key>> {
    return streamBudgetCheck(key, this.redis, streams, budget, timeoutMs);
  }

  /**
   * The group's pending entries, oldest first (at most `count`; only `consumer`'s, or those idle `minIdleMs` or
   * more, when given), and how many are pending in all. Rejects with Redis's NOGROUP when the group does not exist.
   */
  async pending(
    stream: string,
    group: string,
    options: { count: number; consumer?: string; minIdleMs?: number },
  ): Promise<{ total: number; entries: PendingRow[] }> {
    const [total] = (await this.redis.xpending(stream, group)) as [number];
    const idle = options.minIdleMs === undefined ? [] : ['IDLE', options.minIdleMs];
    const consumer = options.consumer === undefined ? [] : [options.consumer];
    const entries = parsePendingReply(
      await this.redis.call('XPENDING', stream, group, ...idle, '-', '+', options.count, ...consumer),
    );
    return { total: Number(total), entries };
  }

  /** Dead-letter records of `stream`, filtered and paged. */
  listDeadLetters(stream: string, options?: ListDeadLettersOptions): Promise<DeadLetterRecord[]> {
    return listDeadLetters(this.redis, stream, options, this.deadLetterStreamOf(stream));
  }

  /** One dead-letter record, or undefined. */
  getDeadLetter(stream: string, id: string): Promise<DeadLetterRecord | undefined> {
    return getDeadLetter(this.redis, stream, id, this.deadLetterStreamOf(stream));
  }

  /** Sends records back to the retry lane of the group each failed in (that group only), rate-limited and logged. */
  redrive(stream: string, options: RedriveOptions): Promise<RedriveResult> {
    return redriveDeadLetters(this.redis, stream, options, this.deadLetterStreamOf(stream));
  }

  /** Deletes records for good (needs `confirm`), logged. */
  purge(stream: string, options: PurgeOptions): Promise<{ purged: number; ids: string[] }> {
    return purgeDeadLetters(this.redis, stream, options, this.deadLetterStreamOf(stream));
  }

  /** Creates missing streams and groups (never moves an existing group). */
  provision(topology: Topology): Promise<ProvisionResult> {
    return applyTopology(this.redis, topology);
  }

  /** XTRIM MINID behind the slowest group of each stream (never past anything unread or pending). */
  trim(
    streams: ReadonlyArray<string | { name: string; minRetentionMs?: number }>,
    options?: TrimOptions,
  ): Promise<TrimResult[]> {
    return trimStreams(this.redis, streams, options);
  }

  /** The dead-letter stream `stream`'s route names, if any (else the default one of StreamKeys.deadLetter). */
  private deadLetterStreamOf(stream: string): string | undefined {
    return StreamKeys.namedDeadLetter(this.options.deadLetterStreams, stream);
  }

  /** Follows a stream without a group (plain XREAD on a duplicate of this connection). */
  tail(options: Omit<StreamTailOptions, 'client' | 'url' | 'redis'>): StreamTail {
    return new StreamTail({ ...options, client: this.redis });
  }
}
