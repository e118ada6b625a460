/**
 * Counts entries being handled and bounds them: the read loop waits for a free slot before it reads more,
 * so a slow handler applies back-pressure instead of filling memory.
 */
export class InFlight {
  private readonly keys = new Map<string, InFlightEntry>();
  private slotWaiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Entries being handled now. */
  get size(): number {
    return this.keys.size;
  }

  /** Slots free now. */
  free(): number {
    return Math.max(0, this.limit - this.keys.size);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  add(key: string, entry: InFlightEntry = { readKey: '', id: key, startedAt: Date.now() }): void {
    this.keys.set(key, entry);
  }

  /** Entries being handled since before `since` (epoch ms), for lease renewal. */
  startedBefore(since: number): InFlightEntry[] {
    return [...this.keys.values()].filter((entry) => entry.startedAt < since);
  }

  delete(key: string): void {
    if (!this.keys.delete(key)) {
      return;
    }
    if (this.keys.size < this.limit && this.slotWaiters.length > 0) {
      const waiters = this.slotWaiters;
      this.slotWaiters = [];
      waiters.forEach((wake) => wake());
    }
    if (this.keys.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      waiters.forEach((wake) => wake());
    }
  }

  /** Resolves when at least one slot is free. */
  waitForSlot(): Promise<void> {
    if (this.keys.size < this.limit) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  /** Wakes every slot waiter (used on stop, so the read loop can exit). */
  releaseWaiters(): void {
    const waiters = this.slotWaiters;
    this.slotWaiters = [];
    waiters.forEach((wake) => wake());
  }

  /** Resolves true when nothing is in flight, or false when `timeoutMs` passes first. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.keys.size === 0) {
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

/** The key of one entry in the in-flight and ack sets. */
export function entryKey(stream: string, id: string): string {
  return `${stream}\u0000${id}`;
}
