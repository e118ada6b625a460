import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';
import { RawEntry } from '../redis/stream-replies';
import { InFlight } from './in-flight';
import { Mutex } from './mutex';
import { Periodic } from './periodic';

/** What the reclaimer needs. */
export interface ReclaimerDeps {
  scripts: RedisScripts;
  readKeys: readonly string[];
  group: string;
  consumer: string;
  minIdleMs: number;
  intervalMs: number;
  batchSize: number;
  inFlight: InFlight;
  logger: LoggerService;
  isSettling(key: string, id: string): boolean;
  /** Entries taken over, each with its delivery count as Redis counted it. */
  onEntries(key: string, entries: RawEntry[]): void;
  /** Counts entries taken over, and ids deleted from the stream while pending. */
  onReclaimed(taken: number, deleted: number): void;
  /** Resolves false when this process must not take entries (it lost its consumer name). */
  mayTake(): boolean | Promise<boolean>;
  /** Held during a pass, so the read loop's PEL walk never claims the same entries at the same time. */
  pelLock: Mutex;
}

/** Pages of XAUTOCLAIM per key and run, so one run stays short. */
const MAX_PAGES = 10;

/**
 * Takes over entries idle longer than `minIdleMs` in any consumer's PEL of this group (a dead or stalled process)
 * with plain XAUTOCLAIM, which counts a delivery, and hands them to the dispatcher, which dead-letters those past
 * `maxDeliveries`. Never claims more than the free in-flight slots. Entries deleted while pending (Redis 7 returns
 * their ids) are counted and logged.
 */
export class Reclaimer {
  private readonly periodic: Periodic;

  constructor(private readonly deps: ReclaimerDeps) {
    this.periodic = new Periodic(deps.intervalMs, () => this.run());
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass over every key (also callable directly, e.g. at start). */
  run(): Promise<void> {
    return this.deps.pelLock.run(async () => {
      for (const key of this.deps.readKeys) {
        try {
          await this.reclaim(key);
        } catch (error) {
          this.deps.logger.warn(`reclaim on ${key} failed, will try again: ${describeError(error)}`);
        }
      }
    });
  }

  private async reclaim(key: string): Promise<void> {
    const { deps } = this;
    let cursor = '0-0';
    for (let page = 0; page < MAX_PAGES; page++) {
      const free = deps.inFlight.free();
      if (free === 0 || !(await deps.mayTake())) {
        return;
      }
      const reply = await deps.scripts.reclaimIdle(
        key,
        deps.group,
        deps.consumer,
        deps.minIdleMs,
        cursor,
        Math.min(free, deps.batchSize),
      );
      cursor = reply.cursor;
      const deleted = reply.deleted.length;
      if (deleted > 0) {
        deps.logger.warn(
          `${key}: ${deleted} pending entr${deleted === 1 ? 'y was' : 'ies were'} deleted from the stream`,
        );
      }
      const fresh = reply.entries.filter((entry) => !deps.isSettling(key, entry.id));
      deps.onReclaimed(fresh.length, deleted);
      if (fresh.length > 0) {
        deps.logger.log(
          `${key}: took over ${fresh.length} entr${fresh.length === 1 ? 'y' : 'ies'} idle > ${deps.minIdleMs} ms`,
        );
        deps.onEntries(key, fresh);
      }
      if (cursor === '0-0') {
        return;
      }
    }
  }
}
