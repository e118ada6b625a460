import type { Redis } from 'ioredis';
import { DEAD_LETTER_LUA } from './dead-letter.lua';
import { PROMOTE_RETRIES_LUA } from './promote-retries.lua';
import { RENEW_LEASES_LUA } from './renew-leases.lua';
import { SCHEDULE_RETRY_LUA } from './schedule-retry.lua';

type ScriptCall = (...args: Array<string | number | Buffer>) => Promise<unknown>;

/** Script names carry their version: pods of two releases never run each other's (EVALSHA by content too). */
const SCRIPTS = {
  nrsScheduleRetryV1: { numberOfKeys: 2, lua: SCHEDULE_RETRY_LUA },
  nrsDeadLetterV1: { numberOfKeys: 2, lua: DEAD_LETTER_LUA },
  nrsPromoteRetriesV1: { numberOfKeys: 3, lua: PROMOTE_RETRIES_LUA },
  nrsRenewLeasesV1: { numberOfKeys: 1, lua: RENEW_LEASES_LUA },
} as const;

/** The atomic multi-key steps, bound to one connection (EVALSHA, loaded on first use). */
export class RedisScripts {
  constructor(private readonly connection: Redis) {
    for (const [name, definition] of Object.entries(SCRIPTS)) {
      connection.defineCommand(name, definition);
    }
  }

  /** See schedule-retry.lua.ts. Resolves true when scheduled. */
  async scheduleRetry(
    source: string,
    schedule: string,
    group: string,
    id: string,
    delayMs: number,
    member: string,
    fromLane: boolean,
  ): Promise<boolean> {
    const result = await this.call('nrsScheduleRetryV1')(
      source,
      schedule,
      group,
      id,
      delayMs,
      member,
      fromLane ? '1' : '0',
    );
    return Number(result) === 1;
  }

  /** See dead-letter.lua.ts. Resolves with the dead-letter entry id, or undefined when the entry was gone. */
  async deadLetter(
    source: string,
    deadLetters: string,
    group: string,
    id: string,
    fromLane: boolean,
    fields: Array<string | Buffer>,
  ): Promise<string | undefined> {
    const result = await this.call('nrsDeadLetterV1')(
      source,
      deadLetters,
      group,
      id,
      fromLane ? '1' : '0',
      ...fields,
    );
    return typeof result === 'string' ? result : Buffer.isBuffer(result) ? result.toString() : undefined;
  }

  /** See promote-retries.lua.ts. */
  async promoteRetries(
    schedule: string,
    lane: string,
    lease: string,
    consumer: string,
    leaseMs: number,
    max: number,
  ): Promise<{ moved: number; nextDueMs: number; nowMs: number }> {
    const [moved, nextDueMs, nowMs] = (await this.call('nrsPromoteRetriesV1')(
      schedule,
      lane,
      lease,
      consumer,
      leaseMs,
      max,
    )) as [number, number, number];
    return { moved: Number(moved), nextDueMs: Number(nextDueMs), nowMs: Number(nowMs) };
  }

  /** See renew-leases.lua.ts. Resolves with how many ids another consumer owns now. */
  async renewLeases(key: string, group: string, consumer: string, ids: string[]): Promise<number> {
    return Number(await this.call('nrsRenewLeasesV1')(key, group, consumer, ...ids));
  }

  private call(name: keyof typeof SCRIPTS): ScriptCall {
    const command = (this.connection as unknown as Record<string, ScriptCall>)[name];
    return command.bind(this.connection);
  }
}
