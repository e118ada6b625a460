import { BaseRpcContext } from '@nestjs/microservices';
import { traceIdOf } from '../tracing/traceparent';
import { RedisStreamsError } from '../errors/redis-streams.error';
import type { DeliveryFeatures } from './delivery-features';
import type { IdempotentEffects } from './idempotent-effects';

/** Manual settlement of one delivery (see {@link RedisStreamsContext.ack}). */
export interface DeliveryControl {
  ack(): Promise<void>;
  retry(options?: { delayMs?: number }): Promise<void>;
  deadLetter(reason: string): Promise<void>;
}

/** The slots of a {@link RedisStreamsContext}, in order. */
export type RedisStreamsContextArgs = [
  stream: string,
  entryId: string,
  group: string,
  consumer: string,
  deliveryCount: number,
  headers: Readonly<Record<string, string>>,
  extraFields: Readonly<Record<string, string>>,
  pattern: string,
  eventId: string | undefined,
  timestamp: string | undefined,
  control?: DeliveryControl,
  abortSignal?: AbortSignalSource,
  features?: Readonly<DeliveryFeatures>,
];

/** Gives a delivery's abort signal, made when first asked for. */
export interface AbortSignalSource {
  readonly signal: AbortSignal;
}

const NEVER_ABORTED = new AbortController().signal;
const NO_FEATURES: Readonly<DeliveryFeatures> = Object.freeze({});

/** What a handler learns about the entry it is handling, via `@Ctx()`. */
export class RedisStreamsContext extends BaseRpcContext<RedisStreamsContextArgs> {
  /** The stream the entry was read from. */
  getStream(): string {
    return this.args[0];
  }

  /** The entry id (`1700000000000-0`). */
  getEntryId(): string {
    return this.args[1];
  }

  /** The consumer group this delivery belongs to. */
  getGroup(): string {
    return this.args[2];
  }

  /** The consumer (process) that received it. */
  getConsumer(): string {
    return this.args[3];
  }

  /** How many times this entry was delivered to this group, this delivery included (1 on the first). */
  getDeliveryCount(): number {
    return this.args[4];
  }

  /** The `headers` field: correlation id, `traceparent`, source … */
  getHeaders(): Readonly<Record<string, string>> {
    return this.args[5];
  }

  /**
   * The producer's W3C `traceparent` from the headers (kept unchanged across retries and redrives), or undefined when
   * absent or invalid. Inside the handler, `currentTraceparent()` gives the handler's own (its span's, with an SDK).
   */
  getTraceparent(): string | undefined {
    const traceparent = this.getHeaders().traceparent;
    return traceIdOf(traceparent) ? traceparent : undefined;
  }

  /** The trace id (32 hex digits) of {@link getTraceparent}, or undefined. */
  getTraceId(): string | undefined {
    return traceIdOf(this.getHeaders().traceparent);
  }

  /** Fields outside the envelope, exactly as written by their producer (seed 000 `job_id`, `metadata` …). */
  getExtraFields(): Readonly<Record<string, string>> {
    return this.args[6];
  }

  /** The pattern the entry was dispatched on. */
  getPattern(): string {
    return this.args[7];
  }

  /** The producer's idempotency key (`event_id`), if it wrote one. */
  getEventId(): string | undefined {
    return this.args[8];
  }

  /** The producer's `timestamp` field (ISO-8601), if it wrote one. */
  getTimestamp(): string | undefined {
    return this.args[9];
  }

  /**
   * Aborted when the transport gives up on this delivery while the handler still runs: `handlerTimeoutMs` passed,
   * another consumer took the entry over, this process lost its consumer name, or the shutdown deadline passed. Pass
   * it to `fetch`, database drivers or your own loops so the work stops too; the reason is the `abortSignal.reason`.
   * A handler that ignores it keeps its concurrency slot until it ends, and its late result is ignored.
   */
  getAbortSignal(): AbortSignal {
    return this.args[11]?.signal ?? NEVER_ABORTED;
  }

  /**
   * Acknowledges now (for handlers with `deliveryPolicy({ autoAck: false })`, or to settle early). The transport
   * does not settle a delivery twice: after this, the handler's own outcome is ignored.
   */
  ack(): Promise<void> {
    return this.control().ack();
  }

  /**
   * Schedules a retry in this group's lane, after `delayMs` (default: the handler's backoff): an integer from 0 to
   * 7 days; any other value throws before the delivery is settled.
   */
  retry(options?: { delayMs?: number }): Promise<void> {
    return this.control().retry(options);
  }

  /** Moves the entry to the dead-letter stream now, with `reason` (reason code `manual`). */
  deadLetter(reason: string): Promise<void> {
    return this.control().deadLetter(reason);
  }

  /**
   * The handler's circuit (delivery policy `circuitBreaker`) as this delivery runs: `closed`, or `half-open` when it is
   * a probe (its outcome closes or reopens the circuit). Undefined when the handler has no circuit breaker. A handler
   * is never called while its circuit is open.
   */
  getCircuitState(): 'closed' | 'half-open' | undefined {
    return this.features().circuitState;
  }

  /**
   * The effects of this delivery, for idempotent handlers only (`@Idempotent()`): Redis write commands queued here
   * run once the handler succeeded, in the same atomic step that records the event as handled and acknowledges it,
   * so they are applied exactly once per event and group. Throws in a handler that is not idempotent.
   */
  getEffects(): IdempotentEffects {
    const effects = this.features().effects;
    if (!effects) {
      throw new RedisStreamsError(
        'ctx.getEffects() is only available in idempotent handlers (@Idempotent() or deliveryPolicy({ idempotent }))',
      );
    }
    return effects;
  }

  /** The facilities of this delivery's features (see {@link DeliveryFeatures}); empty when none applies. */
  protected features(): Readonly<DeliveryFeatures> {
    return this.args[12] ?? NO_FEATURES;
  }

  private control(): DeliveryControl {
    const control = this.args[10];
    if (!control) {
      throw new Error('this context was not created by ServerRedisStreams: it cannot settle a delivery');
    }
    return control;
  }
}
