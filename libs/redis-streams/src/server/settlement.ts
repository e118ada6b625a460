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
      ack: () => {
        this.claim();
        outcomes.ack(delivery);
        return Promise.resolve();
      },
      retry: (options) => {
        this.claim();
        return outcomes.retry(
          delivery,
          options?.delayMs ?? backoffDelay(policy.backoff, delivery.deliveryCount),
        );
      },
      deadLetter: (reason) => {
        this.claim();
        return outcomes.deadLetter(delivery, {
          reason: 'manual',
          errorClass: 'ManualDeadLetter',
          message: String(reason),
          pattern,
        });
      },
    };
  }

  /** True once the handler settled the delivery itself. */
  get settled(): boolean {
    return this.done;
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
