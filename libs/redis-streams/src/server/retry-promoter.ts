import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';

/** Most retries moved per lane per call. */
const PROMOTE_BATCH = 500;

/** Most bytes of a retry that cannot be promoted copied into its dead-letter record. */
const UNPROMOTABLE_COPY_BYTES = 64 * 1024;

/**
 * Moves due retries of this group into its retry lanes. Every consumer of the group runs one; a lease in Redis lets
 * one of them do the work at a time, and a crashed holder's lease expires so another takes over. Each stream is
 * promoted on its own: one whose promotion fails backs off alone, the others go on.
 */
export class RetryPromoter {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Streams whose promotion is failing: failures in a row and when to try again (ms since the epoch). */
  private readonly failing = new Map<string, { failures: number; retryAt: number }>();

  constructor(
    private readonly scripts: RedisScripts,
    private readonly streams: readonly string[],
    private readonly group: string,
    private readonly consumer: string,
    private readonly pollMs: number,
    private readonly logger: LoggerService,
    /** The dead-letter stream of a source stream (unpromotable retries go there). */
    private readonly deadLetterStreamOf: (stream: string) => string,
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
    let next = Infinity;
    for (const stream of this.streams) {
      next = Math.min(next, await this.promote(stream));
    }
    this.schedule(Number.isFinite(next) ? next : this.pollMs);
  }

  /** Promotes one stream's due retries; resolves with when this stream wants the next tick (ms). */
  private async promote(stream: string): Promise<number> {
    const failing = this.failing.get(stream);
    if (failing && Date.now() < failing.retryAt) {
      return failing.retryAt - Date.now();
    }
    try {
      const result = await this.scripts.promoteRetries(
        stream,
        this.deadLetterStreamOf(stream),
        this.group,
        this.consumer,
        this.pollMs * 5,
        PROMOTE_BATCH,
        UNPROMOTABLE_COPY_BYTES,
      );
      if (failing) {
        this.failing.delete(stream);
        this.logger.log(`${stream}: retry promotion works again after ${failing.failures} failure(s)`);
      }
      if (result.deadLettered > 0) {
        this.logger.warn(
          `${stream}: ${result.deadLettered} scheduled retr${result.deadLettered === 1 ? 'y' : 'ies'} of group ` +
            `${this.group} could not be promoted; dead-lettered (unpromotable)`,
        );
      }
      if (result.moved === -1) {
        return this.pollMs * 2; // another consumer promotes; check the lease now and then
      }
      if (result.moved + result.deadLettered === PROMOTE_BATCH) {
        return 0; // more are due
      }
      if (result.nextDueMs !== -1) {
        return Math.max(5, result.nextDueMs - result.nowMs);
      }
      return this.pollMs;
    } catch (error) {
      const failures = (failing?.failures ?? 0) + 1;
      if (failures === 1) {
        this.logger.warn(`${stream}: retry promotion failed, will try again: ${describeError(error)}`);
      }
      const backoffMs = Math.min(5000, this.pollMs * 2 ** Math.min(failures, 5));
      this.failing.set(stream, { failures, retryAt: Date.now() + backoffMs });
      return backoffMs;
    }
  }
}
