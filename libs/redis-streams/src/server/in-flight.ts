/**
 * Counts entries being handled and bounds them: the read loop waits for a free slot before it reads more,
 * so a slow handler applies back-pressure instead of filling memory.
 */
export class InFlight {
  /** Read key (stream or lane) → entry id → when its handling started (epoch ms). */
  private readonly byKey = new Map<string, Map<string, number>>();
  private count = 0;
  private slotWaiters: Array<{ wanted: number; wake: () => void }> = [];
  private idleWaiters: Array<() => void> = [];

  /** @param limit How many entries may be handled at once. */
  constructor(readonly limit: number) {}

  /** Entries being handled now. */
  get size(): number {
    return this.count;
  }

  /** Slots free now. */
  free(): number {
    return Math.max(0, this.limit - this.count);
  }

  has(readKey: string, id: string): boolean {
    return this.byKey.get(readKey)?.has(id) === true;
  }

  add(readKey: string, id: string, startedAt = Date.now()): void {
    let ids = this.byKey.get(readKey);
    if (!ids) {
      ids = new Map();
      this.byKey.set(readKey, ids);
    }
    if (!ids.has(id)) {
      this.count++;
    }
    ids.set(id, startedAt);
  }

  /** Entries being handled since before `since` (epoch ms), for lease renewal. */
  startedBefore(since: number): InFlightEntry[] {
    const entries: InFlightEntry[] = [];
    for (const [readKey, ids] of this.byKey) {
      for (const [id, startedAt] of ids) {
        if (startedAt < since) {
          entries.push({ readKey, id, startedAt });
        }
      }
    }
    return entries;
  }

  delete(readKey: string, id: string): void {
    if (this.byKey.get(readKey)?.delete(id) !== true) {
      return;
    }
    this.count--;
    const free = this.limit - this.count;
    if (this.slotWaiters.some((waiter) => waiter.wanted <= free)) {
      const ready = this.slotWaiters.filter((waiter) => waiter.wanted <= free);
      this.slotWaiters = this.slotWaiters.filter((waiter) => waiter.wanted > free);
      ready.forEach((waiter) => waiter.wake());
    }
    if (this.count === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((wake) => wake());
    }
  }

  /**
   * Resolves when at least `count` slots (1 by default, never more than the limit) are free, or after `timeoutMs` when
   * given (whatever is free then).
   */
  waitForSlots(count = 1, timeoutMs?: number): Promise<void> {
    const wanted = Math.max(1, Math.min(count, this.limit));
    if (this.limit - this.count >= wanted) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const waiter = { wanted, wake: resolve };
      this.slotWaiters.push(waiter);
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => {
          this.slotWaiters = this.slotWaiters.filter((other) => other !== waiter);
          resolve();
        }, timeoutMs);
        waiter.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }
    });
  }

  /** Wakes every slot waiter (used on stop, so the read loop can exit). */
  releaseWaiters(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    waiters.forEach((waiter) => waiter.wake());
  }

  /** Resolves true when nothing is in flight, or false when `timeoutMs` passes first. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((wake) => wake !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }
}

/** One entry being handled. */
export interface InFlightEntry {
  /** The stream or retry lane it was read from. */
  readKey: string;
  id: string;
  startedAt: number;
}
