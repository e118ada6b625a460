import { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { describeError } from '../errors/describe-error';

/** Called after each XACK with how many ids were sent and how many Redis acknowledged. */
export type AckListener = (stream: string, sent: number, acked: number) => void;

/**
 * Collects successful entries and acknowledges them in batches: every id added in the same turn of the event loop
 * goes out together: one XACK per stream, written back to back. Ids whose XACK failed are kept and sent again.
 */
export class AckBatcher {
  private queued = new Map<string, string[]>();
  /** Stream → ids waiting for their XACK (queued or being sent). */
  private readonly waiting = new Map<string, Set<string>>();
  private waitingCount = 0;
  private scheduled = false;
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly connection: Redis,
    private readonly group: string,
    private readonly logger: LoggerService,
    private readonly onAcked: AckListener,
    private readonly maxRetryDelayMs: number,
    /** Keys whose acknowledged entries are deleted too (a group's own retry lane: nobody else reads it). */
    private readonly deleteAfterAck: (stream: string) => boolean = () => false,
  ) {}

  /** Ids waiting to be acknowledged. */
  get size(): number {
    return this.waitingCount;
  }

  /** True while the entry waits for its XACK. */
  has(stream: string, id: string): boolean {
    return this.waiting.get(stream)?.has(id) === true;
  }

  add(stream: string, id: string): void {
    if (this.stopped) {
      // A handler that finished after close(): its connection is gone, the entry stays pending for a re-read.
      this.logger.warn(`${stream} ${id} finished after shutdown; left pending`);
      return;
    }
    let waiting = this.waiting.get(stream);
    if (!waiting) {
      waiting = new Set();
      this.waiting.set(stream, waiting);
    }
    if (waiting.has(id)) {
      return;
    }
    waiting.add(id);
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
    this.flushing = this.send();
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
