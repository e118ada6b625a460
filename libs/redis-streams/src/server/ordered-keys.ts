import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import { ResolvedRoute } from '../options/routing-options';
import { orderingKeyOf } from '../options/ordering-key';
import { RawEntry } from '../redis/stream-replies';
import { compareEntryIds } from '../wire/entry-ids';
import { readLaneEntry } from '../wire/lane-fields';
import { Delivery, QueuedDelivery } from './delivery';
import { HeldEntry, InFlight } from './in-flight';
import { KeySequencer } from './key-sequencer';

/** What {@link OrderedKeys} needs from the dispatcher around it. */
export interface OrderedKeysDeps {
  inFlight: InFlight;
  logger: LoggerService;
  /**
   * How long past its retry's due time an ordered key waits for its parked entry before it lets its later entries go
   * on without it (ms).
   */
  parkSlackMs: number;
  /** Reads one entry again (an ordered entry whose turn came); undefined when it is gone from the stream. */
  fetchEntry(readKey: string, id: string): Promise<RawEntry | undefined>;
  /** An entry whose turn came, read again and holding a slot: it runs next. */
  onTurn(delivery: Delivery): void;
  /** Slots may have freed up, or entries may wait: start what can start. */
  pump(): void;
}

/** A delivery without its fields and slot, to wait in the PEL. */
function slim(delivery: Delivery): QueuedDelivery {
  const { fields, held, ...queued } = delivery;
  void fields;
  void held;
  return queued;
}

/**
 * A queued delivery made whole again with the entry read back (`undefined`: gone from the stream, then handled as
 * deleted while pending) and its new slot; a lane entry's bookkeeping is dropped (the queued delivery kept the counts).
 */
function withFields(queued: QueuedDelivery, entry: RawEntry | undefined, held: HeldEntry): Delivery {
  const fields = entry?.fields ?? null;
  return {
    ...queued,
    fields: queued.lane && fields ? readLaneEntry(fields).fields : fields,
    held,
    queuedBehindKey: false,
  };
}

/** One ordering key of one stream, as the sequencer knows it. */
function sequencedKey(stream: string, key: string): string {
  return `${stream}\n${key}`;
}

/**
 * The dispatcher's side of routes with an `orderingKey`: one entry per key at a time (the others wait in the PEL,
 * without a slot or their fields, and are read again in their turn), keys parked behind a retry, overdue parks
 * released, and a stream's takeover — what is dispatched for it is held until the keys of known retries are parked,
 * then run oldest first.
 */
export class OrderedKeys {
  private readonly sequencer = new KeySequencer<QueuedDelivery>();
  /** Streams being taken over: what is dispatched for them waits here by id, without fields or slot. */
  private readonly holding = new Map<string, Map<string, QueuedDelivery>>();
  private overdueTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: OrderedKeysDeps) {}

  /** Entries held behind another entry of their ordering key. */
  get waiting(): number {
    return this.sequencer.waiting;
  }

  /**
   * Keeps `delivery` (slot released, entry left in the PEL) when its stream is being taken over; false when it is
   * not, and the delivery goes on as usual. A long takeover can claim one of its own held entries again: the first
   * claim's delivery count stands.
   */
  keepWhileTakingOver(delivery: Delivery): boolean {
    const holding = this.holding.get(delivery.stream);
    if (!holding) {
      return false;
    }
    this.deps.inFlight.delete(delivery.readKey, delivery.id);
    const at = `${delivery.readKey}\n${delivery.id}`;
    if (!holding.has(at)) {
      holding.set(at, slim(delivery));
    }
    return true;
  }

  /** Starts holding what is dispatched for `stream` (see {@link keepWhileTakingOver}) until {@link releaseHeld}. */
  hold(stream: string): void {
    if (!this.holding.has(stream)) {
      this.holding.set(stream, new Map());
    }
  }

  /**
   * What was held for `stream`, read again with slots, oldest source entry first (keys already parked by
   * {@link park}). Rejects, still holding, when the entries cannot be read again: none of them may run before all can,
   * in order.
   */
  async releaseHeld(stream: string): Promise<Delivery[]> {
    const holding = this.holding.get(stream);
    if (!holding) {
      return [];
    }
    const held = [...holding.values()].sort((a, b) => compareEntryIds(a.originalId, b.originalId));
    const entries = await Promise.all(held.map((queued) => this.deps.fetchEntry(queued.readKey, queued.id)));
    this.holding.delete(stream);
    const released: Delivery[] = [];
    held.forEach((queued, i) => {
      const slot = this.stopped ? undefined : this.deps.inFlight.add(queued.readKey, queued.id);
      if (slot) {
        released.push(withFields(queued, entries[i], slot));
      }
    });
    return released;
  }

  /** Forgets what is held for `stream` and its keys (queued entries hold no slot: they stay in the PEL). */
  letGo(stream: string): void {
    const prefix = sequencedKey(stream, '');
    this.holding.delete(stream);
    this.sequencer.drain((key) => key.startsWith(prefix));
  }

  /**
   * Makes ordering key `key` of `stream` wait for `originalId`, a retry scheduled before this process took the
   * stream over, until `untilMs` (plus the slack).
   */
  park(stream: string, key: string, originalId: string, untilMs: number): void {
    this.sequencer.park(sequencedKey(stream, key), originalId, untilMs + this.deps.parkSlackMs);
    this.watchOverdue();
  }

  /**
   * Sequences an entry of an ordered route (`data` is its decoded payload): false when it must wait behind an
   * earlier entry of its key (it is then let go when its handling returns, and read again in its turn).
   */
  admitted(delivery: Delivery, data: unknown, route: ResolvedRoute): boolean {
    const key = orderingKeyOf(data, route.orderingKey as readonly string[]);
    if (key === undefined) {
      return true; // no key in the payload: handled unordered
    }
    delivery.orderingKey = sequencedKey(delivery.stream, key);
    if (this.sequencer.admit(delivery.orderingKey, slim(delivery))) {
      return true;
    }
    delivery.queuedBehindKey = true;
    return false;
  }

  /** An ordered entry ended: its key runs its next entry, or parks behind the entry's retry. */
  ended(delivery: Delivery): void {
    if (delivery.orderingKey === undefined || delivery.queuedBehindKey) {
      return;
    }
    const retried = delivery.retryDelayMs !== undefined;
    const until = Date.now() + (delivery.retryDelayMs ?? 0) + this.deps.parkSlackMs;
    const next = this.sequencer.finish(
      delivery.orderingKey,
      delivery.originalId,
      retried ? 'parked' : 'done',
      until,
    );
    if (retried) {
      this.watchOverdue();
    }
    this.resume(next);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.overdueTimer);
    this.holding.clear();
    this.sequencer.drain(); // queued and held entries hold no slot: they stay in the PEL, handed over with the rest
  }

  /**
   * Reads again the entry whose turn came (it waited in this consumer's PEL without a slot) and hands it on to run
   * next. Its key stays busy with it meanwhile; a failed read is tried again a second later. A copy held here already
   * (a PEL re-read) runs instead.
   */
  private resume(next: QueuedDelivery | undefined): void {
    if (!next || this.stopped) {
      return;
    }
    const slot = this.deps.inFlight.add(next.readKey, next.id);
    if (!slot) {
      return;
    }
    this.deps.fetchEntry(next.readKey, next.id).then(
      (entry) => {
        if (this.stopped) {
          this.deps.inFlight.delete(next.readKey, next.id);
          return;
        }
        this.deps.onTurn(withFields(next, entry, slot));
      },
      (error: unknown) => {
        this.deps.inFlight.delete(next.readKey, next.id);
        this.deps.logger.warn(
          `${next.stream} ${next.originalId}: not read for its turn, trying again: ${describeError(error)}`,
        );
        setTimeout(() => this.resume(next), 1000).unref();
      },
    );
  }

  /** While keys are parked, checks every second for parked entries that did not come back in time. */
  private watchOverdue(): void {
    if (this.overdueTimer || this.stopped) {
      return;
    }
    this.overdueTimer = setInterval(() => {
      for (const { key, parked, next } of this.sequencer.releaseOverdue(Date.now())) {
        this.deps.logger.warn(
          `ordering key ${key.replace('\n', ' ')}: its parked entry ${parked} did not come back from the retry ` +
            'lane in time; its later entries go on without it',
        );
        this.resume(next);
      }
      if (this.sequencer.parkedKeys === 0) {
        clearInterval(this.overdueTimer);
        this.overdueTimer = undefined;
      }
      this.deps.pump();
    }, 1000);
    this.overdueTimer.unref();
  }
}
