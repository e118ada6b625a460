import { DeliveryControl } from '../ctx-host/redis-streams.context';
import { RedisStreamsError } from '../errors/redis-streams.error';
import { DeliveryPolicy, backoffDelay } from '../options/delivery-policy';
import { Delivery } from './lane-fields';
import { Outcomes } from './outcomes';

/** One delivery's settlement: at most once, by the handler through its context or by the transport after it. */
export class Settlement {
  private done = false;

  /** What `ctx.ack()`, `ctx.retry()` and `ctx.deadLetter()` call. */
  readonly control: DeliveryControl;

  constructor(delivery: Delivery, pattern: string, policy: DeliveryPolicy, outcomes: Outcomes) {
    this.control = {
      ack: async () => {
        this.claim();
        outcomes.ack(delivery);
        await Promise.resolve();
      },
      retry: async (options) => {
        this.claim();
        await outcomes.retry(
          delivery,
          options?.delayMs ?? backoffDelay(policy.backoff, delivery.deliveryCount),
          pattern,
        );
      },
      deadLetter: async (reason) => {
        this.claim();
        await outcomes.deadLetter(delivery, {
          reason: 'manual',
          errorClass: 'ManualDeadLetter',
          message: String(reason),
          pattern,
        });
      },
    };
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
