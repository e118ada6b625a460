import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';
import { StreamKeys } from '../redis/stream-keys';

/** Most retries moved per lane per call. */
const PROMOTE_BATCH = 500;

/**
 * Moves due retries of this group into its retry lanes. Every consumer of the group runs one; a lease in Redis lets
 * one of them do the work at a time, and a crashed holder's lease expires so another takes over.
 */
export class RetryPromoter {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly scripts: RedisScripts,
    private readonly streams: readonly string[],
    private readonly group: string,
    private readonly consumer: string,
    private readonly pollMs: number,
    private readonly logger: LoggerService,
  ) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops polling; resolves after a call in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) {
      return;
    }
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    let next = this.pollMs;
    try {
      for (const stream of this.streams) {
        const result = await this.scripts.promoteRetries(
          StreamKeys.retrySchedule(stream, this.group),
          StreamKeys.retryLane(stream, this.group),
          StreamKeys.promoterLease(stream, this.group),
          this.consumer,
          this.pollMs * 5,
          PROMOTE_BATCH,
        );
        if (result.moved === -1) {
          next = Math.max(next, this.pollMs * 2); // another consumer promotes; check the lease now and then
        } else if (result.moved === PROMOTE_BATCH) {
          next = 0; // more are due
        } else if (result.nextDueMs !== -1) {
          next = Math.min(next, Math.max(5, result.nextDueMs - result.nowMs));
        }
      }
      this.failures = 0;
    } catch (error) {
      if (this.failures++ === 0) {
        this.logger.warn(`retry promotion failed, will try again: ${describeError(error)}`);
      }
      next = Math.min(5000, this.pollMs * 2 ** Math.min(this.failures, 5));
    }
    this.schedule(next);
  }
}
