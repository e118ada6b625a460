import { randomBytes } from 'node:crypto';
import { LoggerService } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { describeError, redisErrorCode } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';
import { Periodic } from './periodic';

/** What an {@link OrderedStreamOwner} needs from the pipeline around it. */
export interface OrderedStreamOwnerDeps {
  stream: string;
  /** The stream and the group's retry lane of it. */
  readKeys: readonly string[];
  /** The lease key naming the consumer that reads the stream. */
  leaseKey: string;
  group: string;
  consumer: string;
  leaseMs: number;
  minIdleMs: number;
  commands: RedisConnection;
  scripts: RedisScripts;
  logger: LoggerService;
  /** Holds what is dispatched for the stream instead of running it (until {@link release}). */
  hold(): void;
  /** Parks the keys of retries already scheduled or in the lane, then lets the held entries run, oldest first. */
  release(): Promise<void>;
  /** One pass claiming entries of the read keys idle ≥ minIdleMs in other consumers' PELs (dispatched, so held). */
  reclaim(): Promise<void>;
  /** Starts reading the read keys (own PEL first, then new entries); resolves with the function that stops it. */
  startReading(): Promise<() => Promise<void>>;
  /** Lets go of what this process holds of the stream without running it (it lost the stream to another consumer). */
  letGo(): void;
}

/**
 * Makes one consumer of the group at a time read an ordered stream (a route with `orderingKey`), the others standing
 * by: a lease renewed every third of `leaseMs`. A consumer that gets the lease first takes over what the previous one
 * left — it waits until no other consumer holds entries of the stream (a dead one's go idle and are claimed, a live
 * one finishes its own), parks the keys of retries already scheduled, runs what it claimed oldest first — and only
 * then reads new entries: so an entry never runs before an earlier one of its key, across a crash too.
 */
export class OrderedStreamOwner {
  private readonly token: string;
  private readonly periodic: Periodic;
  private owning = false;
  private stopped = false;
  private takingOver: Promise<void> | undefined;
  private stopReading: (() => Promise<void>) | undefined;

  constructor(private readonly deps: OrderedStreamOwnerDeps) {
    this.token = `${deps.consumer}:${randomBytes(6).toString('hex')}`;
    this.periodic = new Periodic(Math.max(10, Math.floor(deps.leaseMs / 3)), () => this.tick());
  }

  /** True while this consumer reads the stream. */
  get owns(): boolean {
    return this.owning;
  }

  start(): void {
    void this.tick();
    this.periodic.start();
  }

  /** Stops reading and renewing (the lease is kept until {@link release}: hand entries over first). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.periodic.stop();
    await this.takingOver;
    await this.stopReading?.();
    this.stopReading = undefined;
  }

  /** Gives the lease up so a standby consumer takes over at once. */
  async releaseLease(): Promise<void> {
    if (!this.owning) {
      return;
    }
    this.owning = false;
    try {
      await this.deps.scripts.releaseConsumerLease(this.deps.leaseKey, this.token);
    } catch (error) {
      this.deps.logger.warn(
        `${this.deps.stream}: ordering lease not released (it expires): ${describeError(error)}`,
      );
    }
  }

  private async tick(): Promise<void> {
    const { deps } = this;
    if (this.stopped) {
      return;
    }
    try {
      if (!this.owning) {
        const taken = await deps.commands.set(deps.leaseKey, this.token, 'PX', deps.leaseMs, 'NX');
        if (taken === 'OK' && !this.stopped) {
          this.owning = true;
          this.takingOver = this.takeOver().finally(() => (this.takingOver = undefined));
        }
      } else if (!(await deps.scripts.renewConsumerLease(deps.leaseKey, this.token, deps.leaseMs))) {
        await this.lose('its ordering lease lapsed and another consumer took it');
      }
    } catch (error) {
      deps.logger.warn(`${deps.stream}: ordering lease not renewed, trying again: ${describeError(error)}`);
    }
  }

  private async takeOver(): Promise<void> {
    const { deps } = this;
    deps.logger.log(`${deps.stream}: this consumer reads the ordered stream now; taking over what was left`);
    deps.hold();
    const pause = Math.max(10, Math.min(250, Math.floor(deps.minIdleMs / 4)));
    while (this.owning && !this.stopped) {
      try {
        await deps.reclaim();
        if ((await this.othersPending()) === 0) {
          await deps.release();
          this.stopReading = await deps.startReading();
          return;
        }
      } catch (error) {
        deps.logger.warn(
          `${deps.stream}: taking the ordered stream over, trying again: ${describeError(error)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    deps.letGo(); // lost or stopped before reading: what was claimed meanwhile goes back
  }

  private async lose(why: string): Promise<void> {
    this.owning = false;
    this.deps.logger.warn(`${this.deps.stream}: stopped reading the ordered stream: ${why}`);
    await this.takingOver;
    await this.stopReading?.();
    this.stopReading = undefined;
    this.deps.letGo();
  }

  /** Entries of the read keys pending for other consumers of the group (a key without the group has none). */
  private async othersPending(): Promise<number> {
    let count = 0;
    for (const key of this.deps.readKeys) {
      let summary: unknown[];
      try {
        summary = await this.deps.commands.xpending(key, this.deps.group);
      } catch (error) {
        if (redisErrorCode(error) === 'NOGROUP') {
          continue; // the reader recreates it from id 0
        }
        throw error;
      }
      const consumers = Array.isArray(summary?.[3]) ? (summary[3] as unknown[]) : [];
      for (const row of consumers) {
        const [name, pending] = row as [string, string | number];
        if (String(name) !== this.deps.consumer) {
          count += Number(pending);
        }
      }
    }
    return count;
  }
}
