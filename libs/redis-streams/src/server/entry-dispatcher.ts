import { EventEmitter } from 'node:events';
import { LoggerService } from '@nestjs/common';
import type { ReadPacket } from '@nestjs/microservices';
import { takeFailure } from '../ctx-host/failure-record';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { BadEntryError } from '../errors/bad-entry.error';
import { describeError } from '../errors/describe-error';
import { HandlerTimeoutError, classifyFailure } from '../errors/failure';
import { backoffDelay } from '../options/delivery-policy';
import { ResolvedRoute } from '../options/routing-options';
import { RawEntry } from '../redis/stream-replies';
import { DecodeLimits, DecodedEntry, decodeEntry } from '../wire/entry-decoder';
import { DeliveryTrace } from '../tracing/delivery-trace';
import { traceLogSuffix, traceparentOfFields } from '../tracing/trace-headers';
import { BoundHandler, HandlerTable } from './handler-table';
import { InFlight } from './in-flight';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import { Delivery, toDelivery } from './delivery';
import { Outcomes } from './outcomes';
import { RedisStreamsServerStats } from './server-types';
import { Settlement } from './settlement';

/** The counters a dispatcher moves. */
export type DispatchCounters = Omit<RedisStreamsServerStats, 'inFlight' | 'running' | 'pendingAcks'>;

/** What the dispatcher needs from the server around it. */
export interface EntryDispatcherDeps {
  group: string;
  consumer: string;
  limits: DecodeLimits;
  table: HandlerTable;
  outcomes: Outcomes;
  inFlight: InFlight;
  counters: DispatchCounters;
  events: EventEmitter;
  logger: LoggerService;
  /** True while the entry waits for its XACK: it is done here and must not be started again. */
  isAcking(readKey: string, id: string): boolean;
  /** Runs the handler and settles when it has finished (the server's `handleEvent`). */
  runHandler(pattern: string, packet: ReadPacket, context: RedisStreamsContext): Promise<void>;
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
    const { inFlight, counters, table } = this.deps;
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
      counters.received++;
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
    const { maxDeliveries } = bound.policy;
    if (delivery.deliveryCount > maxDeliveries) {
      // Crash redeliveries count: an entry that keeps killing its consumer stops here.
      return deps.outcomes.deadLetter(delivery, {
        reason: DEAD_LETTER_REASONS.maxDeliveries,
        errorClass: 'MaxDeliveriesExceeded',
        message: `delivered ${delivery.deliveryCount} times; maxDeliveries is ${maxDeliveries}`,
        pattern: decoded.pattern,
      });
    }
    const settlement = new Settlement(delivery, decoded.pattern, bound.policy, deps.outcomes);
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
    ]);
    const startedAt = performance.now();
    const { result, settled } = this.run(bound, decoded, delivery, context);
    try {
      await result;
    } catch (error) {
      if (!settlement.settleByTransport()) {
        // The handler settled the delivery itself, then threw: its own settlement stands.
        deps.counters.failed++;
        return;
      }
      // Prefer the original exception when RedisStreamsExceptionFilter recorded it. Handlers may fail with anything
      // (Nest passes RpcException payloads on as plain objects): classification takes unknown.
      const failure: unknown = takeFailure(context)?.error ?? error;
      await this.failed(delivery, decoded.pattern, bound, failure, performance.now() - startedAt);
      if (settled) {
        await settled; // timed out: the delivery is settled, but the handler keeps its slot until it ends
      }
      return;
    }
    deps.counters.handled++;
    const { lost } = delivery.held;
    if (bound.policy.autoAck && settlement.settleByTransport() && lost !== 'deleted' && lost !== 'gone') {
      deps.outcomes.ack(delivery); // also when another consumer took it meanwhile: it was handled
    }
    // autoAck off and left unsettled: it stays pending and is redelivered after minIdleMs.
    // The hot path: no event object unless someone (metrics) listens.
    if (deps.events.listenerCount('handled') > 0) {
      deps.events.emit('handled', {
        stream: delivery.stream,
        id: delivery.originalId,
        pattern: decoded.pattern,
        durationMs: performance.now() - startedAt,
      });
    }
  }

  /**
   * Starts the handler. `result` settles with the handler, or rejects with {@link HandlerTimeoutError} when its
   * policy's `handlerTimeoutMs` passes first: the context's abort signal then fires, and `settled` resolves when the
   * handler really ends (its late result is ignored and counted in `lateResults`).
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
    const running = tracing.run(() =>
      deps.runHandler(decoded.pattern, { pattern: decoded.pattern, data: decoded.data }, context),
    );
    const timeoutMs = bound.policy.handlerTimeoutMs;
    if (timeoutMs === undefined) {
      return { result: tracing.endWith(running), settled: undefined };
    }
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        const error = new HandlerTimeoutError(timeoutMs);
        delivery.held.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const settled = running.then(
      () => this.lateResult(delivery, timedOut, 'succeeded'),
      () => this.lateResult(delivery, timedOut, 'failed'),
    );
    return {
      result: tracing.endWith(Promise.race([running, timeout]).finally(() => clearTimeout(timer))),
      settled,
    };
  }

  private lateResult(delivery: Delivery, timedOut: boolean, how: string): void {
    if (timedOut) {
      this.deps.counters.lateResults++;
      this.deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: handler ${how} after its timeout; result ignored`,
      );
    }
  }

  private async failed(
    delivery: Delivery,
    pattern: string,
    bound: BoundHandler,
    error: unknown,
    durationMs: number,
  ): Promise<void> {
    const { deps } = this;
    deps.counters.failed++;
    const failure = classifyFailure(error);
    deps.logger.warn(
      `${delivery.stream} ${delivery.originalId} "${pattern}" failed on delivery ${delivery.deliveryCount} ` +
        `(${failure.reason}): ${failure.errorClass}: ${failure.message.slice(0, 200)}` +
        traceLogSuffix(traceparentOfFields(delivery.fields)),
    );
    deps.events.emit('handler-failed', {
      stream: delivery.stream,
      id: delivery.originalId,
      pattern,
      deliveryCount: delivery.deliveryCount,
      error,
      reason: failure.reason,
      durationMs,
    });
    const outOfDeliveries = delivery.deliveryCount >= bound.policy.maxDeliveries;
    if (failure.permanent || outOfDeliveries) {
      await deps.outcomes.deadLetter(delivery, {
        ...failure,
        reason: failure.permanent ? failure.reason : DEAD_LETTER_REASONS.maxDeliveries,
        pattern,
      });
      return;
    }
    await deps.outcomes.retry(delivery, backoffDelay(bound.policy.backoff, delivery.deliveryCount), pattern);
  }

  private async unhandled(delivery: Delivery, pattern: string, route: ResolvedRoute): Promise<void> {
    const { deps } = this;
    if (route.shared && route.unknownTypes === 'skip') {
      deps.counters.skipped++;
      deps.outcomes.ack(delivery);
      return;
    }
    deps.counters.rejected++;
    deps.events.emit('rejected', {
      stream: delivery.stream,
      id: delivery.originalId,
      reason: DEAD_LETTER_REASONS.noHandler,
    });
    await deps.outcomes.deadLetter(delivery, {
      reason: DEAD_LETTER_REASONS.noHandler,
      errorClass: 'NoHandlerError',
      message: `no handler for type "${pattern.slice(0, 200)}" in group ${deps.group}`,
      pattern,
    });
  }

  private async reject(delivery: Delivery, error: BadEntryError): Promise<void> {
    const { deps } = this;
    if (error.reason === DEAD_LETTER_REASONS.deleted) {
      // Nothing left to handle or record; acknowledging removes the dangling PEL slot.
      deps.counters.deletedWhilePending++;
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: deleted while pending; removed from the PEL`,
      );
      deps.outcomes.ack(delivery);
      return;
    }
    deps.counters.rejected++;
    deps.events.emit('rejected', { stream: delivery.stream, id: delivery.originalId, reason: error.reason });
    await deps.outcomes.deadLetter(delivery, {
      reason: error.reason,
      errorClass: error.name,
      message: error.message,
    });
  }
}
