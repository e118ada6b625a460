import type { RedisConnection } from '../redis/redis-connection';
import type { RawEntry } from '../redis/stream-replies';
import { StreamKeys } from '../wire/stream-keys';
import { COUNT_AFTER_LUA } from './count-after.lua';
import { DEAD_LETTER_LUA } from './dead-letter.lua';
import { DELETE_IDLE_CONSUMER_LUA } from './delete-idle-consumer.lua';
import { PROMOTE_RETRIES_LUA } from './promote-retries.lua';
import { REDRIVE_DEAD_LETTER_LUA } from './redrive-dead-letter.lua';
import { RELEASE_CONSUMER_LEASE_LUA } from './release-consumer-lease.lua';
import { RENEW_CONSUMER_LEASE_LUA } from './renew-consumer-lease.lua';
import { RENEW_LEASES_LUA } from './renew-leases.lua';
import { CLAIM_OWN_PENDING_LUA } from './claim-own-pending.lua';
import { COMMIT_IDEMPOTENT_LUA } from './commit-idempotent.lua';
import { IDEMPOTENT_XADD_LUA } from './idempotent-xadd.lua';
import { RECLAIM_IDLE_LUA } from './reclaim-idle.lua';
import { SCHEDULE_RETRY_LUA } from './schedule-retry.lua';
import { TRIM_BEHIND_GROUPS_LUA } from './trim-behind-groups.lua';

type ScriptCall = (...args: Array<string | number | Buffer>) => Promise<unknown>;

/** Script names carry their version: pods of two releases never run each other's (EVALSHA by content too). */
const SCRIPTS = {
  nrsScheduleRetryV2: { numberOfKeys: 2, lua: SCHEDULE_RETRY_LUA },
  nrsDeadLetterV2: { numberOfKeys: 2, lua: DEAD_LETTER_LUA },
  nrsPromoteRetriesV2: { numberOfKeys: 4, lua: PROMOTE_RETRIES_LUA },
  nrsRenewLeasesV2: { numberOfKeys: 1, lua: RENEW_LEASES_LUA },
  nrsClaimOwnPendingV1: { numberOfKeys: 1, lua: CLAIM_OWN_PENDING_LUA },
  nrsReclaimIdleV1: { numberOfKeys: 1, lua: RECLAIM_IDLE_LUA },
  nrsRedriveDeadLetterV2: { numberOfKeys: 3, lua: REDRIVE_DEAD_LETTER_LUA },
  nrsTrimBehindGroupsV2: { numberOfKeys: 1, lua: TRIM_BEHIND_GROUPS_LUA },
  nrsCountAfterV2: { numberOfKeys: 1, lua: COUNT_AFTER_LUA },
  nrsRenewConsumerLeaseV1: { numberOfKeys: 1, lua: RENEW_CONSUMER_LEASE_LUA },
  nrsReleaseConsumerLeaseV1: { numberOfKeys: 1, lua: RELEASE_CONSUMER_LEASE_LUA },
  nrsDeleteIdleConsumerV1: { numberOfKeys: 1, lua: DELETE_IDLE_CONSUMER_LUA },
  nrsCommitIdempotentV1: { numberOfKeys: 2, lua: COMMIT_IDEMPOTENT_LUA },
} as const;

/**
 * The client's one script, defined on its connection only when first used: the client's connection is
 * auto-pipelined, and every ioredis pipeline (one per batch of emits) copies each script defined on its connection.
 */
const CLIENT_SCRIPTS = {
  nrsIdempotentXaddV1: { numberOfKeys: 2, lua: IDEMPOTENT_XADD_LUA },
} as const;
const clientScriptsDefined = new WeakSet<RedisConnection>();

/**
 * Defines the client's scripts on `connection`. Call it before the connection's first command: an auto-pipelined
 * connection's open pipeline only knows the commands defined when it was created, so a script defined later and
 * queued into it fails (`pipeline[functionName] is not a function`) and ioredis then throws uncaught.
 */
export function defineClientScripts(connection: RedisConnection): void {
  if (!clientScriptsDefined.has(connection)) {
    connection.defineCommand('nrsIdempotentXaddV1', CLIENT_SCRIPTS.nrsIdempotentXaddV1);
    clientScriptsDefined.add(connection);
  }
}

/**
 * See idempotent-xadd.lua.ts: XADDs `fields` to `stream` unless `marker` exists; resolves with the entry id written,
 * or the first one's (`duplicate: true`).
 */
export async function idempotentXadd(
  connection: RedisConnection,
  marker: string,
  stream: string,
  windowMs: number,
  fields: readonly string[],
): Promise<{ id: string; duplicate: boolean }> {
  defineClientScripts(connection);
  const command = (connection as unknown as Record<string, ScriptCall>).nrsIdempotentXaddV1;
  const [id, duplicate] = (await command.call(connection, marker, stream, windowMs, ...fields)) as [
    string,
    number,
  ];
  return { id: String(id), duplicate: Number(duplicate) === 1 };
}

/** What committing an idempotent delivery did (see commit-idempotent.lua.ts). */
export type IdempotentCommit =
  | { outcome: 'committed' | 'duplicate'; acked: number }
  | { outcome: 'effect-refused'; effect: number; message: string };

const bound = new WeakMap<RedisConnection, RedisScripts>();

/** What renewing one entry's lease found (see renew-leases.lua.ts). */
export type LeaseRenewal = 'renewed' | 'taken' | 'deleted' | 'gone';
const LEASE_RENEWALS: readonly LeaseRenewal[] = ['renewed', 'taken', 'deleted', 'gone'];

/** `{ id, fields, deliveries }` as a script returns it (Buffers). */
function toCountedEntry(item: unknown): RawEntry {
  const [id, fields, deliveries] = item as [Buffer, Buffer[] | null, number];
  return { id: String(id), fields: Array.isArray(fields) ? fields : null, deliveries: Number(deliveries) };
}

/** The atomic multi-key steps, bound to one connection (EVALSHA, loaded on first use). */
export class RedisScripts {
  /**
   * The scripts of `connection`, defined on it once. For callers that own nothing lasting but the connection (the
   * admin functions, called per operation); the cache is keyed weakly by the connection, which `defineCommand`
   * changes anyway. A long-lived owner (the server's pipeline) constructs its own instance instead.
   */
  static for(connection: RedisConnection): RedisScripts {
    let scripts = bound.get(connection);
    if (!scripts) {
      scripts = new RedisScripts(connection);
      bound.set(connection, scripts);
    }
    return scripts;
  }

  constructor(private readonly connection: RedisConnection) {
    for (const [name, definition] of Object.entries(SCRIPTS)) {
      connection.defineCommand(name, definition);
    }
  }

  /**
   * See schedule-retry.lua.ts. Resolves true when scheduled, false when the entry is not pending for `consumer`
   * (nothing done).
   */
  async scheduleRetry(
    source: string,
    schedule: string,
    group: string,
    consumer: string,
    id: string,
    delayMs: number,
    member: string,
    fromLane: boolean,
  ): Promise<boolean> {
    const result = await this.call('nrsScheduleRetryV2')(
      source,
      schedule,
      group,
      consumer,
      id,
      delayMs,
      member,
      fromLane ? '1' : '0',
    );
    return Number(result) === 1;
  }

  /**
   * See dead-letter.lua.ts. Resolves with the dead-letter entry id, or undefined when the entry is not pending for
   * `consumer` (nothing written).
   */
  async deadLetter(
    source: string,
    deadLetters: string,
    group: string,
    consumer: string,
    id: string,
    fromLane: boolean,
    fields: Array<string | Buffer>,
  ): Promise<string | undefined> {
    const result = await this.call('nrsDeadLetterV2')(
      source,
      deadLetters,
      group,
      consumer,
      id,
      fromLane ? '1' : '0',
      ...fields,
    );
    return typeof result === 'string' ? result : Buffer.isBuffer(result) ? result.toString() : undefined;
  }

  /**
   * See promote-retries.lua.ts: moves `group`'s due retries on `stream` into its lane; a member that cannot be moved
   * goes to the stream's dead-letter stream (`deadLettered`) with at most `maxCopyBytes` of it copied.
   */
  async promoteRetries(
    stream: string,
    /** The stream's dead-letter stream (see StreamKeys.deadLetter). */
    deadLetters: string,
    group: string,
    consumer: string,
    leaseMs: number,
    max: number,
    maxCopyBytes: number,
  ): Promise<{ moved: number; nextDueMs: number; nowMs: number; deadLettered: number }> {
    const [moved, nextDueMs, nowMs, deadLettered] = (await this.call('nrsPromoteRetriesV2')(
      StreamKeys.retrySchedule(stream, group),
      StreamKeys.retryLane(stream, group),
      StreamKeys.promoterLease(stream, group),
      deadLetters,
      consumer,
      leaseMs,
      max,
      stream,
      group,
      maxCopyBytes,
      new Date().toISOString(),
    )) as [number, number, number, number];
    return {
      moved: Number(moved),
      nextDueMs: Number(nextDueMs),
      nowMs: Number(nowMs),
      deadLettered: Number(deadLettered),
    };
  }

  /** See renew-leases.lua.ts. Resolves with one {@link LeaseRenewal} per id, in order. */
  async renewLeases(key: string, group: string, consumer: string, ids: string[]): Promise<LeaseRenewal[]> {
    const codes = (await this.call('nrsRenewLeasesV2')(key, group, consumer, ...ids)) as unknown[];
    return codes.map((code) => LEASE_RENEWALS[Number(code)] ?? 'gone');
  }

  /** See claim-own-pending.lua.ts. */
  async claimOwnPending(
    key: string,
    group: string,
    consumer: string,
    ids: string[],
  ): Promise<{ entries: RawEntry[]; deleted: string[] }> {
    const [claimed, deleted] = (await this.call('nrsClaimOwnPendingV1Buffer')(
      key,
      group,
      consumer,
      ...ids,
    )) as [unknown[], Buffer[]];
    return { entries: claimed.map(toCountedEntry), deleted: deleted.map(String) };
  }

  /** See reclaim-idle.lua.ts. */
  async reclaimIdle(
    key: string,
    group: string,
    consumer: string,
    minIdleMs: number,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; entries: RawEntry[]; deleted: string[] }> {
    const [next, claimed, deleted] = (await this.call('nrsReclaimIdleV1Buffer')(
      key,
      group,
      consumer,
      minIdleMs,
      cursor,
      count,
    )) as [Buffer, unknown[], Buffer[]];
    return { cursor: String(next), entries: claimed.map(toCountedEntry), deleted: deleted.map(String) };
  }

  /** See redrive-dead-letter.lua.ts. */
  async redriveDeadLetter(
    deadLetters: string,
    lane: string,
    log: string,
    deadLetterId: string,
    group: string,
    by: string,
  ): Promise<{ redriven: true; laneId: string } | { redriven: false; why: string }> {
    const [done, detail] = (await this.call('nrsRedriveDeadLetterV2')(
      deadLetters,
      lane,
      log,
      deadLetterId,
      group,
      by,
    )) as [unknown, unknown];
    const text = String(detail);
    return Number(done) === 1 ? { redriven: true, laneId: text } : { redriven: false, why: text };
  }

  /** See trim-behind-groups.lua.ts. */
  async trimBehindGroups(
    stream: string,
    bound: string,
    dryRun: boolean,
    countLimit: number,
  ): Promise<{ status: string; point: string; count: number }> {
    const [status, point, count] = (await this.call('nrsTrimBehindGroupsV2')(
      stream,
      bound,
      dryRun ? '1' : '0',
      countLimit,
    )) as [unknown, unknown, unknown];
    return { status: String(status), point: String(point), count: Number(count) };
  }

  /** See count-after.lua.ts. */
  async countAfter(stream: string, id: string): Promise<number> {
    return Number(await this.call('nrsCountAfterV2')(stream, id));
  }

  /** See renew-consumer-lease.lua.ts. Resolves true when extended, false when the lease is not `token`'s. */
  async renewConsumerLease(key: string, token: string, leaseMs: number): Promise<boolean> {
    return Number(await this.call('nrsRenewConsumerLeaseV1')(key, token, String(leaseMs))) === 1;
  }

  /** See release-consumer-lease.lua.ts. Resolves true when deleted, false when the lease is not `token`'s. */
  async releaseConsumerLease(key: string, token: string): Promise<boolean> {
    return Number(await this.call('nrsReleaseConsumerLeaseV1')(key, token)) === 1;
  }

  /** See delete-idle-consumer.lua.ts. Resolves true when deleted, false when it has pending entries. */
  async deleteIdleConsumer(key: string, group: string, consumer: string): Promise<boolean> {
    return Number(await this.call('nrsDeleteIdleConsumerV1')(key, group, consumer)) === 1;
  }

  /** See commit-idempotent.lua.ts. `effects` is the encoded tail of ARGV (count, then argc + values per command). */
  async commitIdempotent(
    readKey: string,
    marker: string,
    group: string,
    id: string,
    ttlMs: number,
    markerValue: string,
    fromLane: boolean,
    effects: Array<string | Buffer>,
  ): Promise<IdempotentCommit> {
    const reply = (await this.call('nrsCommitIdempotentV1')(
      readKey,
      marker,
      group,
      id,
      ttlMs,
      markerValue,
      fromLane ? '1' : '0',
      ...effects,
    )) as [number, number, unknown?];
    const [code, detail, message] = reply;
    if (Number(code) === 2) {
      return { outcome: 'effect-refused', effect: Number(detail), message: String(message) };
    }
    return { outcome: Number(code) === 1 ? 'committed' : 'duplicate', acked: Number(detail) };
  }

  private call(name: keyof typeof SCRIPTS | `${keyof typeof SCRIPTS}Buffer`): ScriptCall {
    const command = (this.connection as unknown as Record<string, ScriptCall>)[name];
    return command.bind(this.connection);
  }
}
