import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import { LeaseRenewal, RedisScripts } from '../lua/scripts';
import { AckBatcher } from './ack-batcher';
import { InFlight } from './in-flight';
import { Periodic } from './periodic';

/** What the lease keeper reports. */
export interface LeaseKeeperEvents {
  /** Held entries another consumer took over, or took and finished (each reported once). */
  onLost(count: number): void;
  /** Held entries deleted from their stream while this process held them (each reported once). */
  onDeleted(count: number): void;
}

/** Why a held entry's handler is aborted when its lease cannot be renewed. */
export class EntryLeaseLostError extends Error {
  constructor(readonly renewal: LeaseRenewal) {
    super(
      renewal === 'taken'
        ? 'another consumer took this entry over'
        : renewal === 'deleted'
          ? 'the entry was deleted from its stream'
          : 'the entry is no longer pending',
    );
    this.name = 'EntryLeaseLostError';
  }
}

/**
 * Keeps the entries this process holds fresh: every `intervalMs`, entries held for longer than that — running,
 * waiting for a handler slot, or waiting for an XACK that failed and is being retried — are re-claimed by their owner
 * (JUSTID: idle reset, delivery count unchanged), so `minIdleMs` measures liveness, not handler time, and a live
 * process never loses an entry it is still working on. An entry another consumer took, or one deleted from its
 * stream, is reported once, no longer renewed, and its handler's abort signal fires.
 */
export class LeaseKeeper {
  private readonly periodic: Periodic;

  constructor(
    private readonly scripts: RedisScripts,
    private readonly inFlight: InFlight,
    private readonly acks: AckBatcher,
    private readonly group: string,
    private readonly consumer: string,
    intervalMs: number,
    private readonly logger: LoggerService,
    private readonly events: LeaseKeeperEvents,
  ) {
    this.periodic = new Periodic(intervalMs, () => this.renew(intervalMs));
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private async renew(intervalMs: number): Promise<void> {
    const since = Date.now() - intervalMs;
    const byKey = new Map<string, string[]>();
    const add = (key: string, id: string): void => {
      const ids = byKey.get(key);
      if (ids) {
        ids.push(id);
      } else {
        byKey.set(key, [id]);
      }
    };
    for (const entry of this.inFlight.renewableBefore(since)) {
      add(entry.readKey, entry.id);
    }
    for (const { key, id } of this.acks.waitingBefore(since)) {
      add(key, id);
    }
    for (const [key, ids] of byKey) {
      try {
        const renewals = await this.scripts.renewLeases(key, this.group, this.consumer, ids);
        this.settle(key, ids, renewals);
      } catch (error) {
        this.logger.warn(`lease renewal on ${key} failed: ${describeError(error)}`);
      }
    }
  }

  private settle(key: string, ids: string[], renewals: LeaseRenewal[]): void {
    let taken = 0;
    let deleted = 0;
    renewals.forEach((renewal, i) => {
      if (renewal === 'renewed') {
        return;
      }
      const held = this.inFlight.get(key, ids[i]);
      if (held?.renew) {
        held.renew = false;
        held.lost = renewal;
        held.abort(new EntryLeaseLostError(renewal));
      } else if (held || !this.acks.stopRenewing(key, ids[i])) {
        return; // reported before
      }
      // 'gone': acknowledged by someone else while held here — another consumer took it and finished it.
      taken += renewal === 'taken' || renewal === 'gone' ? 1 : 0;
      deleted += renewal === 'deleted' ? 1 : 0;
    });
    if (taken > 0) {
      this.events.onLost(taken);
      this.logger.warn(
        `${key}: ${taken} entr${taken === 1 ? 'y' : 'ies'} held here ${taken === 1 ? 'was' : 'were'} taken over (or already finished) by another consumer`,
      );
    }
    if (deleted > 0) {
      this.events.onDeleted(deleted);
      this.logger.warn(
        `${key}: ${deleted} entr${deleted === 1 ? 'y' : 'ies'} held here ${deleted === 1 ? 'was' : 'were'} deleted from the stream`,
      );
    }
  }
}
