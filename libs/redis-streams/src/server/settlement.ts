import { DeliveryControl } from '../ctx-host/redis-streams.context';
import { RedisStreamsError } from '../errors/redis-streams.error';
import { DeliveryPolicy, backoffDelay, validRetryDelay } from '../options/delivery-policy';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import { Delivery } from './delivery';
import { Outcomes } from './outcomes';

/**
 * One delivery's settlement: at most once, by the handler through its context (this object is the context's
 * {@link DeliveryControl}: `ctx.ack()`, `ctx.retry()`, `ctx.deadLetter()`) or by the transport after it.
 */
export class Settlement implements DeliveryControl {
  private done = false;

  constructor(
    private readonly delivery: Delivery,
    private readonly pattern: string,
    private readonly policy: DeliveryPolicy,
    private readonly outcomes: Outcomes,
  ) {}

  /** What `ctx.ack()`, `ctx.retry()` and `ctx.deadLetter()` call: this settlement itself. */
  get control(): DeliveryControl {
    return this;
  }

  async ack(): Promise<void> {
    this.claim();
    this.outcomes.ack(this.delivery);
    await Promise.resolve();
  }

  async retry(options?: { delayMs?: number }): Promise<void> {
    // Checked before claiming: a refused delay leaves the delivery to the handler's outcome (or another ctx call).
    const delayMs =
      options?.delayMs === undefined
        ? backoffDelay(this.policy.backoff, this.delivery.deliveryCount)
        : validRetryDelay(options.delayMs);
    this.claim();
    await this.outcomes.retry(this.delivery, delayMs, this.pattern);
  }

  async deadLetter(reason: string): Promise<void> {
    this.claim();
    await this.outcomes.deadLetter(this.delivery, {
      reason: DEAD_LETTER_REASONS.manual,
      errorClass: 'ManualDeadLetter',
      message: String(reason),
      pattern: this.pattern,
    });
  }

  /** True once the delivery is settled (by the handler, or by the transport through {@link settleByTransport}). */
  get settled(): boolean {
    return this.done;
  }

  /**
   * Claims the delivery for the transport's own outcome. False when the handler already settled it; afterwards
   * a late `ctx.ack()` (a handler past its timeout) is refused instead of acting on a settled entry.
   */
  settleByTransport(): boolean {
    if (this.done) {
      return false;
    }
    this.done = true;
    return true;
  }

  private claim(): void {
    if (this.done) {
      throw new RedisStreamsError(
        'this delivery is already settled (ack, retry or deadLetter was called before)',
      );
    }
    this.done = true;
  }
}
