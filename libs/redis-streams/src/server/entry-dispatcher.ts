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
import { DecodeLimits, DecodedEntry, decodeEntry } from '../serialization/entry-decoder';
import { DeliveryTrace } from '../tracing/delivery-trace';
import { traceLogSuffix, traceparentOfFields } from '../tracing/trace-headers';
import { BoundHandler, HandlerTable } from './handler-table';
import { InFlight } from './in-flight';
import { Delivery, toDelivery } from './lane-fields';
import { Outcomes } from './outcomes';
import { RedisStreamsServerStats } from './server-types';
import { Settlement } from './settlement';

/** The counters a dispatcher moves. */
export type DispatchCounters = Omit<RedisStreamsServerStats, 'inFlight' | 'pendingAcks'>;

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
  /** Runs the handler and settles when it has finished (the server's `handleEvent`). */
  runHandler(pattern: string, packet: ReadPacket, context: RedisStreamsContext): Promise<void>;
}

/**
 * Turns read entries into handler calls: decode, route, run, then settle the delivery. Success → acknowledged.
 * Failure → retried with backoff in the group's own lane, or dead-lettered when permanent or out of deliveries.
 * A bad entry, or an unknown pattern on a single-pattern stream, is dead-lettered with its reason; an unknown pattern
 * on a shared stream is someone else's event: acknowledged as skipped (or dead-lettered if the route says so).
 */
export class EntryDispatcher {
  constructor(private readonly deps: EntryDispatcherDeps) {}

  /** Starts handling `entries` read from `readKey` (without waiting); each holds an in-flight slot until settled. */
  dispatch(readKey: string, entries: RawEntry[], deliveries?: Map<string, number>): void {
    const { inFlight, counters, table } = this.deps;
    const { stream, lane } = table.readKey(readKey);
    const startedAt = Date.now();
    for (const entry of entries) {
      inFlight.add(readKey, entry.id, startedAt);
      counters.received++;
      void this.process(toDelivery(readKey, stream, lane, entry, deliveries?.get(entry.id) ?? 1));
    }
  }

  /** Handles one delivery, then frees its in-flight slot whatever happened. */
  private async process(delivery: Delivery): Promise<void> {
    try {
      await this.handle(delivery);
    } finally {
      this.deps.inFlight.delete(delivery.readKey, delivery.id);
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
        error instanceof BadEntryError ? error : new BadEntryError('invalid-json', describeError(error));
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
        reason: 'max-deliveries',
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
    ]);
    const startedAt = performance.now();
    try {
      await this.run(bound, decoded, delivery, context);
    } catch (error) {
      if (!settlement.settleByTransport()) {
        // The handler settled the delivery itself, then threw: its own settlement stands.
        deps.counters.failed++;
        return;
      }
      // Prefer the original exception when RedisStreamsExceptionFilter recorded it. Handlers may fail with anything
      // (Nest passes RpcException payloads on as plain objects): classification takes unknown.
      const failure: unknown = takeFailure(context)?.error ?? error;
      return this.failed(delivery, decoded.pattern, bound, failure, performance.now() - startedAt);
    }
    deps.counters.handled++;
    // The hot path: no event object unless someone (metrics) listens.
    if (deps.events.listenerCount('handled') > 0) {
      deps.events.emit('handled', {
        stream: delivery.stream,
        id: delivery.originalId,
        pattern: decoded.pattern,
        durationMs: performance.now() - startedAt,
      });
    }
    if (bound.policy.autoAck && settlement.settleByTransport()) {
      deps.outcomes.ack(delivery);
    }
    // autoAck off and left unsettled: it stays pending and is redelivered after minIdleMs.
  }

  private run(
    bound: BoundHandler,
    decoded: DecodedEntry,
    delivery: Delivery,
    context: RedisStreamsContext,
  ): Promise<void> {
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
      return tracing.endWith(running);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HandlerTimeoutError(timeoutMs)), timeoutMs);
    });
    running.catch(() => undefined); // a late failure after the timeout must not be unhandled
    return tracing.endWith(Promise.race([running, timeout]).finally(() => clearTimeout(timer)));
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
        reason: failure.permanent ? failure.reason : 'max-deliveries',
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
    deps.events.emit('rejected', { stream: delivery.stream, id: delivery.originalId, reason: 'no-handler' });
    await deps.outcomes.deadLetter(delivery, {
      reason: 'no-handler',
      errorClass: 'NoHandlerError',
      message: `no handler for type "${pattern.slice(0, 200)}" in group ${deps.group}`,
      pattern,
    });
  }

  private async reject(delivery: Delivery, error: BadEntryError): Promise<void> {
    const { deps } = this;
    if (error.reason === 'deleted') {
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
