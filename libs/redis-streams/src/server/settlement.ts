import { DeliveryControl } from '../ctx-host/redis-streams.context';
import { Failure } from '../errors/failure';
import { RedisStreamsError } from '../errors/redis-streams.error';
import { DeliveryPolicy, backoffDelay, validRetryDelay } from '../options/delivery-policy';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import { Delivery } from './delivery';
import { DeadLetterCause, Outcomes } from './outcomes';

/**
 * One delivery's settlement, the only way to its outcome: at most once, by the handler through its context (this
 * object is the context's {@link DeliveryControl}: `ctx.ack()`, `ctx.retry()`, `ctx.deadLetter()`), or by the
 * transport ({@link succeed}, {@link fail}, {@link reject}, {@link skip}), which does nothing once the handler settled.
 */
export class Settlement implements DeliveryControl {
  private done = false;

  /**
   * @param pattern The event's pattern, once decoded.
   * @param policy The handler's policy, once a handler is found (for `ctx.retry()`'s default delay and the retry or
   *   dead-letter decision after a failure).
   */
  constructor(
    private readonly delivery: Delivery,
    private readonly outcomes: Outcomes,
    private readonly pattern?: string,
    private readonly policy?: DeliveryPolicy,
  ) {}

  async ack(): Promise<void> {
    this.claim();
    await this.outcomes.succeed(this.delivery);
  }

  async retry(options?: { delayMs?: number }): Promise<void> {
    // Checked before claiming: a refused delay leaves the delivery to the handler's outcome (or another ctx call).
    const delayMs = options?.delayMs === undefined ? this.backoff() : validRetryDelay(options.delayMs);
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

  /** True once the delivery is settled, by the handler or by the transport. */
  get settled(): boolean {
    return this.done;
  }

  /**
   * The handler finished: acknowledged, unless the handler settled it itself or the entry is gone from this
   * consumer's PEL (deleted, or acknowledged elsewhere). One another consumer took meanwhile is acknowledged too: it
   * was handled. Resolves when an idempotent handler's commit is done (undefined for a batched ack).
   */
  succeed(): Promise<void> | undefined {
    const { lost } = this.delivery.held;
    if (this.claimForTransport() && lost !== 'deleted' && lost !== 'gone') {
      return this.outcomes.succeed(this.delivery);
    }
    return undefined;
  }

  /**
   * The handler failed with `failure`: dead-lettered when the failure is permanent or the deliveries are used up,
   * else retried after the policy's backoff. False when the handler had settled the delivery itself.
   */
  async fail(failure: Failure): Promise<boolean> {
    if (!this.claimForTransport()) {
      return false;
    }
    const policy = this.policyOf();
    if (failure.permanent || this.delivery.deliveryCount >= policy.maxDeliveries) {
      await this.outcomes.deadLetter(this.delivery, {
        ...failure,
        reason: failure.permanent ? failure.reason : DEAD_LETTER_REASONS.maxDeliveries,
        pattern: this.pattern,
      });
    } else {
      await this.outcomes.retry(this.delivery, this.backoff(), this.pattern);
    }
    return true;
  }

  /** The transport refuses the entry without running a handler (bad entry, no handler, out of deliveries). */
  async reject(cause: DeadLetterCause): Promise<void> {
    if (this.claimForTransport()) {
      await this.outcomes.deadLetter(this.delivery, { pattern: this.pattern, ...cause });
    }
  }

  /**
   * The handler's open circuit holds the delivery back: rescheduled in the group's retry lane in `delayMs` without
   * counting a delivery (`circuit`: the handler's pattern, for the `deferred` event).
   */
  async defer(delayMs: number, circuit: string): Promise<void> {
    if (this.claimForTransport()) {
      await this.outcomes.retry(this.delivery, delayMs, this.pattern, circuit);
    }
  }

  /** Acknowledged without a handler: another service's type on a shared stream, or an entry deleted while pending. */
  skip(): void {
    if (this.claimForTransport()) {
      this.outcomes.ack(this.delivery);
    }
  }

  private claimForTransport(): boolean {
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

  private backoff(): number {
    return backoffDelay(this.policyOf().backoff, this.delivery.deliveryCount);
  }

  private policyOf(): DeliveryPolicy {
    if (!this.policy) {
      throw new RedisStreamsError('no handler policy for this delivery');
    }
    return this.policy;
  }
}
