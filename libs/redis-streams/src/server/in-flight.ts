import type { AbortSignalSource } from '../ctx-host/redis-streams.context';

/** One entry this process holds: read into its PEL and not finished yet (waiting for a handler slot, or running). */
export class HeldEntry implements AbortSignalSource {
  /**
   * False once its lease must no longer be renewed: its delivery was settled while the handler still runs (a
   * handler timeout), another consumer took it, or it was deleted from the stream.
   */
  renew = true;
  /** Set when a lease renewal found the entry gone from this consumer (another consumer took it, or it was deleted). */
  lost?: 'taken' | 'deleted' | 'gone';
  /** Created on first use: most handlers never ask for a signal, and an AbortController per entry is costly. */
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;

  constructor(
    /** The stream or retry lane it was read from. */
    readonly readKey: string,
    readonly id: string,
    /** When this process took it (epoch ms). */
    readonly since: number,
  ) {}

  /** Aborted when the transport gives up on the handler (timeout, lost lease, shutdown deadline). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) {
        this.controller.abort(this.abortedWith.reason);
      }
    }
    return this.controller.signal;
  }

  /** Fires the signal (once). */
  abort(reason: unknown): void {
    if (!this.abortedWith) {
      this.abortedWith = { reason };
      this.controller?.abort(reason);
    }
  }
}

/**
 * The entries this process holds, and the bound on them: the read loop waits for a free slot before it reads more,
 * so a slow handler applies back-pressure instead of filling memory. An entry keeps its slot from the read until its
 * handler has settled — also when the transport settled its delivery earlier (a handler timeout) — so handlers that
 * outlive their delivery never pile up past the limit.
 */
export class InFlight {
  /** Read key (stream or lane) → entry id → the held entry. */
  private readonly byKey = new Map<string, Map<string, HeldEntry>>();
  private count = 0;
  private slotWaiters: Array<{ wanted: number; wake: () => void }> = [];
  private idleWaiters: Array<() => void> = [];

  /** @param limit How many entries may be held at once. */
  constructor(readonly limit: number) {}

  /** Entries held now. */
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

  /** The held entry, if this process holds it. */
  get(readKey: string, id: string): HeldEntry | undefined {
    return this.byKey.get(readKey)?.get(id);
  }

  /** Holds an entry; returns undefined (and holds nothing new) when it is held already. */
  add(readKey: string, id: string, since = Date.now()): HeldEntry | undefined {
    let ids = this.byKey.get(readKey);
    if (!ids) {
      ids = new Map();
      this.byKey.set(readKey, ids);
    }
    if (ids.has(id)) {
      return undefined;
    }
    const entry = new HeldEntry(readKey, id, since);
    ids.set(id, entry);
    this.count++;
    return entry;
  }

  /** Held entries whose leases are due (held since before `since`, epoch ms, and still to be renewed). */
  renewableBefore(since: number): HeldEntry[] {
    const entries: HeldEntry[] = [];
    for (const ids of this.byKey.values()) {
      for (const entry of ids.values()) {
        if (entry.renew && entry.since < since) {
          entries.push(entry);
        }
      }
    }
    return entries;
  }

  /** Every held entry (to abort them all). */
  all(): HeldEntry[] {
    return [...this.byKey.values()].flatMap((ids) => [...ids.values()]);
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

  /** Resolves true when nothing is held, or false when `timeoutMs` passes first. */
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
