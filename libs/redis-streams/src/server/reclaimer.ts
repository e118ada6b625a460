import { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { describeError } from '../errors/describe-error';
import { deliveryCounts } from '../redis/delivery-counts';
import { RawEntry, parseReadReply } from '../redis/stream-replies';
import { InFlight } from './in-flight';
import { Periodic } from './periodic';

/** What the reclaimer needs. */
export interface ReclaimerDeps {
  commands: Redis;
  readKeys: readonly string[];
  group: string;
  consumer: string;
  minIdleMs: number;
  intervalMs: number;
  batchSize: number;
  inFlight: InFlight;
  logger: LoggerService;
  isSettling(key: string, id: string): boolean;
  onEntries(key: string, entries: RawEntry[], deliveries: Map<string, number>): void;
  /** Counts entries taken over, and ids deleted from the stream while pending. */
  onReclaimed(taken: number, deleted: number): void;
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
  async run(): Promise<void> {
    for (const key of this.deps.readKeys) {
      try {
        await this.reclaim(key);
      } catch (error) {
        this.deps.logger.warn(`reclaim on ${key} failed, will try again: ${describeError(error)}`);
      }
    }
  }

  private async reclaim(key: string): Promise<void> {
    const { deps } = this;
    let cursor = '0-0';
    for (let page = 0; page < MAX_PAGES; page++) {
      const free = deps.inFlight.free();
      if (free === 0) {
        return;
      }
      const reply = (await deps.commands.callBuffer(
        'XAUTOCLAIM',
        key,
        deps.group,
        deps.consumer,
        deps.minIdleMs,
        cursor,
        'COUNT',
        Math.min(free, deps.batchSize),
      )) as [Buffer, unknown, Buffer[] | undefined];
      cursor = reply[0].toString();
      const claimed = parseReadReply([key, reply[1]])[0]?.entries ?? [];
      const deleted = reply[2]?.length ?? 0;
      if (deleted > 0) {
        deps.logger.warn(
          `${key}: ${deleted} pending entr${deleted === 1 ? 'y was' : 'ies were'} deleted from the stream`,
        );
      }
      const fresh = claimed.filter((entry) => !deps.isSettling(key, entry.id));
      deps.onReclaimed(fresh.length, deleted);
      if (fresh.length > 0) {
        deps.logger.log(
          `${key}: took over ${fresh.length} entr${fresh.length === 1 ? 'y' : 'ies'} idle > ${deps.minIdleMs} ms`,
        );
        deps.onEntries(
          key,
          fresh,
          await deliveryCounts(deps.commands, key, deps.group, deps.consumer, fresh),
        );
      }
      if (cursor === '0-0') {
        return;
      }
    }
  }
}
