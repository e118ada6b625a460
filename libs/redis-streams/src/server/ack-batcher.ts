import { LoggerService } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { describeError } from '../errors/describe-error';

/** Called after each XACK with how many ids were sent and how many Redis acknowledged. */
export type AckListener = (stream: string, sent: number, acked: number) => void;

/**
 * Collects successful entries and acknowledges them in batches: every id added in the same turn of the event loop
 * goes out together: one XACK per stream, written back to back. Ids whose XACK failed are kept and sent again.
 */
export class AckBatcher {
  private queued = new Map<string, string[]>();
  /** Stream → ids waiting for their XACK (queued or being sent) → since when (epoch ms; -1: lease not renewed). */
  private readonly waiting = new Map<string, Map<string, number>>();
  private waitingCount = 0;
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly group: string,
    private readonly logger: LoggerService,
    private readonly onAcked: AckListener,
    private readonly maxRetryDelayMs: number,
    /** Keys whose acknowledged entries are deleted too (a group's own retry lane: nobody else reads it). */
    private readonly deleteAfterAck: (stream: string) => boolean = () => false,
    /** False (or a promise of false) once this process may no longer settle entries (it lost its consumer name). */
    private readonly mayWrite: () => boolean | Promise<boolean> = () => true,
  ) {}

  /** Ids waiting to be acknowledged. */
  get size(): number {
    return this.waitingCount;
  }

  /** True while the entry waits for its XACK. */
  has(stream: string, id: string): boolean {
    return this.waiting.get(stream)?.has(id) === true;
  }

  /** Ids waiting since before `since` (epoch ms) whose leases are still renewed: their XACK is late (failing). */
  waitingBefore(since: number): Array<{ key: string; id: string }> {
    const late: Array<{ key: string; id: string }> = [];
    for (const [key, ids] of this.waiting) {
      for (const [id, at] of ids) {
        if (at !== -1 && at < since) {
          late.push({ key, id });
        }
      }
    }
    return late;
  }

  /** Stops renewing the lease of a waiting id (another consumer has it now); false when it was not renewed. */
  stopRenewing(stream: string, id: string): boolean {
    const ids = this.waiting.get(stream);
    const at = ids?.get(id);
    if (ids === undefined || at === undefined || at === -1) {
      return false;
    }
    ids.set(id, -1);
    return true;
  }

  add(stream: string, id: string): void {
    if (this.stopped) {
      // A handler that finished after close(): its connection is gone, the entry stays pending for a re-read.
      this.logger.warn(`${stream} ${id} finished after shutdown; left pending`);
      return;
    }
    let waiting = this.waiting.get(stream);
    if (!waiting) {
      waiting = new Map();
      this.waiting.set(stream, waiting);
    }
    if (waiting.has(id)) {
      return;
    }
    waiting.set(id, Date.now());
    this.waitingCount++;
    const ids = this.queued.get(stream);
    if (ids) {
      ids.push(id);
    } else {
      this.queued.set(stream, [id]);
    }
    if (!this.scheduled && !this.retryTimer) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** Sends everything queued now; resolves when Redis answered (or the attempt failed and was re-queued). */
  async flush(): Promise<void> {
    while (this.flushing) {
      await this.flushing;
    }
    if (this.queued.size === 0) {
      return;
    }
    this.flushing = this.guardedSend();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops acknowledging (on close, after the last flush): later adds are refused, retries end. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Sends unless this process lost its consumer name: then nothing queued is ever acknowledged by it. */
  private async guardedSend(): Promise<void> {
    let allowed: boolean;
    try {
      const answer = this.mayWrite();
      allowed = answer === true || (await answer);
    } catch (error) {
      this.logger.warn(`acknowledgements wait: consumer name not confirmed: ${describeError(error)}`);
      this.failures++;
      this.scheduleRetry();
      return;
    }
    if (!allowed) {
      this.logger.warn(
        `${this.waitingCount} acknowledgement(s) dropped: this process lost its consumer name`,
      );
      this.queued = new Map();
      this.waiting.clear();
      this.waitingCount = 0;
      this.stop();
      return;
    }
    await this.send();
  }

  /**
   * One XACK per stream (and XDEL for a lane), written back to back in this turn of the event loop: one round trip.
   * Plain commands, not a MULTI-less pipeline: an ioredis pipeline copies every script defined on the connection,
   * and those big objects outlived young-generation GCs (issue 5: the consumer's scavenges took 5–9 ms).
   */
  private async send(): Promise<void> {
    const batch = this.queued;
    this.queued = new Map();
    const sent = [...batch].map(([stream, ids]) => this.acknowledge(stream, ids));
    const failed = (await Promise.all(sent)).includes(false);
    this.failures = failed ? this.failures + 1 : 0;
    if (failed) {
      this.scheduleRetry();
    }
  }

  /** Acknowledges `ids` on `stream`; false (ids queued again) when the XACK failed. */
  private async acknowledge(stream: string, ids: string[]): Promise<boolean> {
    const acking = this.connection.xack(stream, this.group, ...ids);
    if (this.deleteAfterAck(stream)) {
      // Best effort: an entry left in the group's own lane is acknowledged, so never read again.
      this.connection.xdel(stream, ...ids).catch(() => undefined);
    }
    let acked: number;
    try {
      acked = await acking;
    } catch (error) {
      this.logger.warn(
        `XACK of ${ids.length} entries on ${stream} failed, will retry: ${describeError(error)}`,
      );
      const requeue = this.queued.get(stream);
      this.queued.set(stream, requeue ? [...ids, ...requeue] : [...ids]);
      return false;
    }
    const waiting = this.waiting.get(stream);
    for (const id of ids) {
      if (waiting?.delete(id) === true) {
        this.waitingCount--;
      }
    }
    this.onAcked(stream, ids.length, acked);
    return true;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) {
      return;
    }
    const delay = Math.min(this.maxRetryDelayMs, 100 * 2 ** Math.min(this.failures, 10));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, delay);
    this.retryTimer.unref();
  }
}
