/** What the sequencer orders: a delivery, known by the id of its entry in the source stream. */
export interface Sequenced {
  originalId: string;
}

interface KeyState<T> {
  /** The entry of this key being handled now. */
  running?: string;
  /** The entry this key waits for: it failed and comes back from the retry lane. */
  parked?: string;
  /** Until when (epoch ms) the key waits for its parked entry before it lets the queue go on without it. */
  parkedUntil?: number;
  /** Later entries of this key, in the order they arrived (stream order). */
  queue: T[];
}

/**
 * Per-key order for one consumer: one entry per key at a time, the others queued in arrival order. A failed entry
 * that went to the retry lane parks its key: the key's later entries wait until it comes back and ends. A parked
 * entry that does not come back in time (an operator purged the schedule, say) releases its key, so nothing waits
 * unseen forever.
 */
export class KeySequencer<T extends Sequenced> {
  private readonly keys = new Map<string, KeyState<T>>();

  /** Entries waiting behind another of their key. */
  get waiting(): number {
    let count = 0;
    for (const state of this.keys.values()) {
      count += state.queue.length;
    }
    return count;
  }

  /** Keys parked behind a retry now. */
  get parkedKeys(): number {
    let count = 0;
    for (const state of this.keys.values()) {
      count += state.parked === undefined ? 0 : 1;
    }
    return count;
  }

  /** Makes `key` wait for `originalId` (a retry already scheduled, found when taking a stream over) until `untilMs`. */
  park(key: string, originalId: string, untilMs: number): void {
    const state = this.state(key);
    state.parked = originalId;
    state.parkedUntil = untilMs;
  }

  /**
   * True when `item` may run now (its key is then busy with it); false when it was queued behind its key (or is
   * queued already: a re-read of the same entry).
   */
  admit(key: string, item: T): boolean {
    const state = this.state(key);
    if (state.running === item.originalId) {
      return true; // the entry its key waits for, delivered again (a PEL re-read): this copy runs
    }
    if (state.running === undefined && state.parked === item.originalId) {
      state.parked = undefined;
      state.parkedUntil = undefined;
      state.running = item.originalId;
      return true;
    }
    if (state.running !== undefined || state.parked !== undefined) {
      if (!state.queue.some((queued) => queued.originalId === item.originalId)) {
        state.queue.push(item);
      }
      return false;
    }
    state.running = item.originalId;
    return true;
  }

  /**
   * The entry `originalId` of `key` ended: `done` (acknowledged, dead-lettered, skipped) lets the next queued entry
   * run — it is returned, its key busy with it; `parked` (scheduled for a retry) makes the key wait for it until
   * `parkedUntil`.
   */
  finish(key: string, originalId: string, outcome: 'done' | 'parked', parkedUntil = Infinity): T | undefined {
    const state = this.keys.get(key);
    if (!state || state.running !== originalId) {
      return undefined;
    }
    state.running = undefined;
    if (outcome === 'parked') {
      state.parked = originalId;
      state.parkedUntil = parkedUntil;
      return undefined;
    }
    return this.next(key, state);
  }

  /** Releases keys whose parked entry is overdue at `now`; returns their released keys and next entries to run. */
  releaseOverdue(now: number): Array<{ key: string; parked: string; next: T | undefined }> {
    const released: Array<{ key: string; parked: string; next: T | undefined }> = [];
    for (const [key, state] of this.keys) {
      if (state.parked !== undefined && state.running === undefined && (state.parkedUntil ?? 0) < now) {
        const parked = state.parked;
        state.parked = undefined;
        state.parkedUntil = undefined;
        released.push({ key, parked, next: this.next(key, state) });
      }
    }
    return released;
  }

  /**
   * Forgets the keys `select` picks (every key when omitted) — their queues, parked entries and running marks — and
   * returns the entries that were queued (they are let go, to be handed over or re-read).
   */
  drain(select: (key: string) => boolean = () => true): T[] {
    const queued: T[] = [];
    for (const [key, state] of this.keys) {
      if (select(key)) {
        queued.push(...state.queue);
        this.keys.delete(key);
      }
    }
    return queued;
  }

  private next(key: string, state: KeyState<T>): T | undefined {
    const next = state.queue.shift();
    if (next) {
      state.running = next.originalId;
    } else if (state.parked === undefined) {
      this.keys.delete(key);
    }
    return next;
  }

  private state(key: string): KeyState<T> {
    let state = this.keys.get(key);
    if (!state) {
      state = { queue: [] };
      this.keys.set(key, state);
    }
    return state;
  }
}
