import { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { takeFailure } from '../ctx-host/failure-record';
import type { DeliveryFeatures } from '../ctx-host/delivery-features';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { BadEntryError } from '../errors/bad-entry.error';
import { describeError } from '../errors/describe-error';
import { classifyFailure } from '../errors/failure';
import { ResolvedRoute } from '../options/routing-options';
import { RawEntry } from '../redis/stream-replies';
import { DecodeLimits, DecodedEntry, decodeEntry } from '../wire/entry-decoder';
import { DeliveryTrace } from '../tracing/delivery-trace';
import { traceLogSuffix, traceparentOfFields } from '../tracing/trace-headers';
import { BoundHandler, HandlerTable } from './handler-table';
import { InFlight } from './in-flight';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import { Delivery, toDelivery } from './delivery';
import { IdempotentDeliveries } from './idempotent-deliveries';
import { Outcomes } from './outcomes';
import { withDeadline } from './handler-deadline';
import { Settlement } from './settlement';
import { Telemetry } from './telemetry';

/**
 * Runs a handler to its end (inside Nest's processing hooks when any are set) and settles only when it has finished:
 * the server hands one to the dispatcher at start.
 */
export type HandlerRunner = (
  handler: MessageHandler,
  data: unknown,
  context: RedisStreamsContext,
) => Promise<void>;

/** What the dispatcher needs from the server around it. */
export interface EntryDispatcherDeps {
  group: string;
  consumer: string;
  limits: DecodeLimits;
  table: HandlerTable;
  outcomes: Outcomes;
  /** The marker check and commit of idempotent handlers. */
  idempotency: IdempotentDeliveries;
  inFlight: InFlight;
  telemetry: Telemetry;
  logger: LoggerService;
  /** True while the entry waits for its XACK: it is done here and must not be started again. */
  isAcking(readKey: string, id: string): boolean;
  runHandler: HandlerRunner;
}

/**
 * Turns read entries into handler calls: decode, route, run, then settle the delivery. Success → acknowledged.
 * Failure → retried with backoff in the group's own lane, or dead-lettered when permanent or out of deliveries.
 * A bad entry, or an unknown pattern on a single-pattern stream, is dead-lettered with its reason; an unknown pattern
 * on a shared stream is someone else's event: acknowledged as skipped (or dead-lettered if the route says so).
 *
 * At most `inFlight.limit` handlers run at once. One read over several keys can return a few more entries than there
 * are free slots (COUNT applies per key); those wait here, in read order, held and with their leases renewed.
 */
export class EntryDispatcher {
  private readonly waiting: Delivery[] = [];
  private running = 0;
  private stopped = false;

  constructor(private readonly deps: EntryDispatcherDeps) {}

  /** Handlers running now. */
  get runningCount(): number {
    return this.running;
  }

  /**
   * Takes `entries` read from `readKey` (without waiting for their handlers). An entry this process already holds or
   * is acknowledging is dropped: a process never starts an entry twice. Each entry's delivery count is the one Redis
   * reported (`entry.deliveries`), or 1 for an entry read with `>` (its first delivery to the group).
   */
  dispatch(readKey: string, entries: RawEntry[]): void {
    const { inFlight, telemetry, table } = this.deps;
    if (this.stopped) {
      return;
    }
    const { stream, lane } = table.readKey(readKey);
    const since = Date.now();
    for (const entry of entries) {
      if (this.deps.isAcking(readKey, entry.id)) {
        continue;
      }
      const held = inFlight.add(readKey, entry.id, since);
      if (!held) {
        continue;
      }
      telemetry.received(1);
      this.waiting.push(toDelivery(readKey, stream, lane, entry, entry.deliveries ?? 1, held));
    }
    this.pump();
  }

  /**
   * Stops starting handlers: entries still waiting for a slot are let go (they stay in this consumer's PEL, to be
   * handed over to peers). Running handlers go on.
   */
  stop(): void {
    this.stopped = true;
    for (const delivery of this.waiting.splice(0)) {
      this.deps.inFlight.delete(delivery.readKey, delivery.id);
    }
  }

  private pump(): void {
    while (this.running < this.deps.inFlight.limit && this.waiting.length > 0 && !this.stopped) {
      const delivery = this.waiting.shift() as Delivery;
      this.running++;
      void this.process(delivery);
    }
  }

  /** Handles one delivery, then frees its slot whatever happened. */
  private async process(delivery: Delivery): Promise<void> {
    try {
      await this.handle(delivery);
    } catch (error) {
      this.deps.logger.error(`${delivery.stream} ${delivery.originalId}: ${describeError(error)}`);
    } finally {
      this.running--;
      this.deps.inFlight.delete(delivery.readKey, delivery.id);
      this.pump();
    }
  }

  private async handle(delivery: Delivery): Promise<void> {
    const { deps } = this;
    const route = deps.table.route(delivery.stream);
    let decoded: DecodedEntry;
    try {
      decoded = decodeEntry(delivery.fields, route, deps.limits);
    } catch (error) {
      const bad =
        error instanceof BadEntryError
          ? error
          : new BadEntryError(DEAD_LETTER_REASONS.invalidJson, describeError(error));
      return this.reject(delivery, bad);
    }
    const bound = deps.table.resolve(delivery.stream, decoded.pattern);
    if (!bound) {
      return this.unhandled(delivery, decoded.pattern, route);
    }
    const settlement = new Settlement(delivery, deps.outcomes, decoded.pattern, bound.policy);
    let features: DeliveryFeatures | undefined;
    if (bound.policy.idempotent) {
      const { ttlMs } = bound.policy.idempotent;
      features = await deps.idempotency.prepare(delivery, bound.pattern, ttlMs, decoded, settlement);
      if (!features) {
        return; // handled before (acknowledged as a duplicate), or not checkable now (stays pending)
      }
    }
    const { maxDeliveries } = bound.policy;
    if (delivery.deliveryCount > maxDeliveries) {
      // Crash redeliveries count: an entry that keeps killing its consumer stops here.
      return settlement.reject({
        reason: DEAD_LETTER_REASONS.maxDeliveries,
        errorClass: 'MaxDeliveriesExceeded',
        message: `delivered ${delivery.deliveryCount} times; maxDeliveries is ${maxDeliveries}`,
      });
    }
    const context = new RedisStreamsContext([
      delivery.stream,
      delivery.originalId,
      deps.group,
      deps.consumer,
      delivery.deliveryCount,
      decoded.headers,
      decoded.extras,
      decoded.pattern,
      decoded.eventId,
      decoded.timestamp,
      settlement,
      delivery.held,
      features,
    ]);
    const startedAt = performance.now();
    const { result, settled } = this.run(bound, decoded, delivery, context);
    try {
      await result;
    } catch (error) {
      // Prefer the original exception when RedisStreamsExceptionFilter recorded it. Handlers may fail with anything
      // (Nest passes RpcException payloads on as plain objects): classification takes unknown.
      const failure: unknown = takeFailure(context)?.error ?? error;
      await this.failed(settlement, delivery, decoded.pattern, failure, performance.now() - startedAt);
      if (settled) {
        await settled; // timed out: the delivery is settled, but the handler keeps its slot until it ends
      }
      return;
    }
    if (bound.policy.autoAck) {
      const committing = settlement.succeed();
      if (committing) {
        await committing; // an idempotent handler's commit: the entry stays held until it is done
      }
    } // autoAck off and left unsettled: it stays pending and is redelivered after minIdleMs.
    deps.telemetry.handled(
      delivery.stream,
      delivery.originalId,
      decoded.pattern,
      performance.now() - startedAt,
    );
  }

  /**
   * Starts the handler in its delivery's trace. With a `handlerTimeoutMs` it runs against that deadline
   * ({@link withDeadline}): `result` may reject first, and `settled` resolves when the handler really ends (its late
   * result is ignored and counted in `lateResults`).
   */
  private run(
    bound: BoundHandler,
    decoded: DecodedEntry,
    delivery: Delivery,
    context: RedisStreamsContext,
  ): { result: Promise<void>; settled: Promise<void> | undefined } {
    const { deps } = this;
    const tracing = DeliveryTrace.start({
      stream: delivery.stream,
      group: deps.group,
      consumer: deps.consumer,
      entryId: delivery.originalId,
      pattern: decoded.pattern,
      eventId: decoded.eventId,
      deliveryCount: delivery.deliveryCount,
      redrivenFrom: delivery.redrivenFrom,
      headers: decoded.headers,
    });
    const running = tracing.run(() => deps.runHandler(bound.handler, decoded.data, context));
    const timeoutMs = bound.policy.handlerTimeoutMs;
    if (timeoutMs === undefined) {
      return { result: tracing.endWith(running), settled: undefined };
    }
    const { result, settled } = withDeadline(running, timeoutMs, delivery.held, (how) => {
      deps.telemetry.lateResult();
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: handler ${how} after its timeout; result ignored`,
      );
    });
    return { result: tracing.endWith(result), settled };
  }

  private async failed(
    settlement: Settlement,
    delivery: Delivery,
    pattern: string,
    error: unknown,
    durationMs: number,
  ): Promise<void> {
    const { deps } = this;
    if (settlement.settled) {
      deps.telemetry.failedAfterSettling(); // the handler settled the delivery itself, then threw: that stands
      return;
    }
    const failure = classifyFailure(error);
    deps.logger.warn(
      `${delivery.stream} ${delivery.originalId} "${pattern}" failed on delivery ${delivery.deliveryCount} ` +
        `(${failure.reason}): ${failure.errorClass}: ${failure.message.slice(0, 200)}` +
        traceLogSuffix(traceparentOfFields(delivery.fields)),
    );
    deps.telemetry.failed({
      stream: delivery.stream,
      id: delivery.originalId,
      pattern,
      deliveryCount: delivery.deliveryCount,
      error,
      reason: failure.reason,
      durationMs,
    });
    await settlement.fail(failure);
  }

  private async unhandled(delivery: Delivery, pattern: string, route: ResolvedRoute): Promise<void> {
    const { deps } = this;
    const settlement = new Settlement(delivery, deps.outcomes, pattern);
    if (route.shared && route.unknownTypes === 'skip') {
      deps.telemetry.skipped();
      settlement.skip();
      return;
    }
    deps.telemetry.rejected({
      stream: delivery.stream,
      id: delivery.originalId,
      reason: DEAD_LETTER_REASONS.noHandler,
    });
    await settlement.reject({
      reason: DEAD_LETTER_REASONS.noHandler,
      errorClass: 'NoHandlerError',
      message: `no handler for type "${pattern.slice(0, 200)}" in group ${deps.group}`,
    });
  }

  private async reject(delivery: Delivery, error: BadEntryError): Promise<void> {
    const { deps } = this;
    const settlement = new Settlement(delivery, deps.outcomes);
    if (error.reason === DEAD_LETTER_REASONS.deleted) {
      // Nothing left to handle or record; acknowledging removes the dangling PEL slot.
      deps.telemetry.deletedWhilePending(1);
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: deleted while pending; removed from the PEL`,
      );
      settlement.skip();
      return;
    }
    deps.telemetry.rejected({ stream: delivery.stream, id: delivery.originalId, reason: error.reason });
    await settlement.reject({ reason: error.reason, errorClass: error.name, message: error.message });
  }
}
