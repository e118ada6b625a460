import { LoggerService } from '@nestjs/common';
import type { MessageHandler } from '@nestjs/microservices';
import { takeFailure } from '../ctx-host/failure-record';
import type { DeliveryFeatures } from '../ctx-host/delivery-features';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { BadEntryError } from '../errors/bad-entry.error';
import { describeError } from '../errors/describe-error';
import { classifyFailure } from '../errors/failure';
import { ResolvedRoute } from '../options/routing-options';
import { DeliveryPolicy } from '../options/delivery-policy';
import { RawEntry } from '../redis/stream-replies';
import { DecodeLimits, DecodedEntry, decodeEntry } from '../wire/entry-decoder';
import { DeliveryTrace } from '../tracing/delivery-trace';
import { traceLogSuffix, traceparentOfFields } from '../tracing/trace-headers';
import { BoundHandler, HandlerTable } from './handler-table';
import { CircuitBreakers } from './circuit-breakers';
import { settleExpired } from './expired-entries';
import { expiryOf } from '../wire/expiry';
import { InFlight } from './in-flight';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import { Delivery, toDelivery } from './delivery';
import { OrderedKeys } from './ordered-keys';
import { IdempotentDeliveries } from './idempotent-deliveries';
import { Outcomes } from './outcomes';
import { withDeadline } from './handler-deadline';
import { Settlement } from './settlement';
import { Telemetry } from './telemetry';
import { ValueSink } from './handler-invocation';
import { Answer, Replier, answersFailureNow } from './replier';
import { readRequestAddress } from '../wire/request-headers';

/**
 * Runs a handler to its end (inside Nest's processing hooks when any are set) and settles only when it has finished:
 * the server hands one to the dispatcher at start.
 */
export type HandlerRunner = (
  handler: MessageHandler,
  data: unknown,
  context: RedisStreamsContext,
  onValue?: ValueSink,
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
  /** The handlers' circuit breakers (delivery policy `circuitBreaker`). */
  circuits: CircuitBreakers;
  /** True while the entry waits for its XACK: it is done here and must not be started again. */
  isAcking(readKey: string, id: string): boolean;
  runHandler: HandlerRunner;
  /** Answers requests (`@MessagePattern` handlers) on their callers' reply streams. */
  replier: Replier;
  /**
   * How long past its retry's due time an ordered key waits for its parked entry before it lets its later entries go
   * on without it (ms).
   */
  parkSlackMs: number;
  /** Reads one entry again (an ordered entry whose turn came); undefined when it is gone from the stream. */
  fetchEntry(readKey: string, id: string): Promise<RawEntry | undefined>;
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
  private readonly ordered: OrderedKeys;
  private running = 0;
  private stopped = false;

  constructor(private readonly deps: EntryDispatcherDeps) {
    this.ordered = new OrderedKeys({
      inFlight: deps.inFlight,
      logger: deps.logger,
      parkSlackMs: deps.parkSlackMs,
      fetchEntry: (readKey, id) => deps.fetchEntry(readKey, id),
      onTurn: (delivery) => {
        this.waiting.unshift(delivery);
        this.pump();
      },
      pump: () => this.pump(),
    });
  }

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
      const delivery = toDelivery(readKey, stream, lane, entry, entry.deliveries ?? 1, held);
      if (this.ordered.keepWhileTakingOver(delivery)) {
        continue; // its stream is being taken over: it runs, in order, once the takeover releases it
      }
      telemetry.received(1);
      this.waiting.push(delivery);
    }
    this.pump();
  }

  /**
   * Stops starting handlers: entries still waiting for a slot are let go (they stay in this consumer's PEL, to be
   * handed over to peers). Running handlers go on.
   */
  stop(): void {
    this.stopped = true;
    this.ordered.stop();
    for (const delivery of this.waiting.splice(0)) {
      this.deps.inFlight.delete(delivery.readKey, delivery.id);
    }
  }

  /**
   * Keeps what is dispatched for `stream` (not run, no slot held: the entries stay in this consumer's PEL) until
   * {@link releaseHeld}: an ordered stream's takeover.
   */
  hold(stream: string): void {
    this.ordered.hold(stream);
  }

  /**
   * Lets what was held for `stream` run, oldest source entry first (keys already parked by {@link park}). Rejects,
   * still holding, when the entries cannot be read again: none of them may run before all can, in order.
   */
  async releaseHeld(stream: string): Promise<void> {
    const released = await this.ordered.releaseHeld(stream);
    this.deps.telemetry.received(released.length);
    this.waiting.push(...released);
    this.pump();
  }

  /**
   * Lets go of everything of `stream` this process holds without running it — held, waiting for a slot, or queued
   * behind its key — and forgets the stream's keys: another consumer reads the stream now and takes them over.
   */
  letGo(stream: string): void {
    this.ordered.letGo(stream);
    const waiting = this.waiting.filter((delivery) => delivery.stream === stream);
    this.waiting.splice(
      0,
      this.waiting.length,
      ...this.waiting.filter((delivery) => delivery.stream !== stream),
    );
    for (const delivery of waiting) {
      this.deps.inFlight.delete(delivery.readKey, delivery.id);
    }
  }

  /** Entries held behind another entry of their ordering key. */
  get waitingBehindKeys(): number {
    return this.ordered.waiting;
  }

  /**
   * Makes ordering key `key` of `stream` wait for `originalId`, a retry scheduled before this process took the
   * stream over, until `untilMs` (plus the slack).
   */
  park(stream: string, key: string, originalId: string, untilMs: number): void {
    this.ordered.park(stream, key, originalId, untilMs);
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
      this.ordered.ended(delivery);
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
    if (
      route.orderingKey &&
      delivery.orderingKey === undefined &&
      !this.ordered.admitted(delivery, decoded.data, route)
    ) {
      return; // waits behind an earlier entry of its key; started again when that one ends
    }
    const bound = deps.table.resolve(delivery.stream, decoded.pattern);
    if (!bound) {
      return this.unhandled(delivery, decoded.pattern, route);
    }
    const settlement = new Settlement(delivery, deps.outcomes, decoded.pattern, bound.policy);
    const expiresAt = expiryOf(decoded.headers);
    if (expiresAt !== undefined && expiresAt <= Date.now()) {
      return settleExpired(delivery, decoded.pattern, expiresAt, route, settlement, deps.telemetry);
    }
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
    const requestAddress = bound.request ? readRequestAddress(decoded.headers) : undefined;
    const answer = requestAddress && deps.replier.open(requestAddress);
    if (answer?.expired()) {
      deps.telemetry.requestExpired(); // its caller stopped waiting: running it now would only repeat its effects
      settlement.skip();
      return;
    }
    // Held back by an open circuit: back in the retry schedule, no delivery counted (the handler is not called).
    const circuit = bound.policy.circuitBreaker ? deps.circuits.admit(bound) : undefined;
    if (circuit?.admitted === false) {
      return settlement.defer(circuit.delayMs, circuit.circuit);
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
      circuit ? { ...features, circuitState: circuit.state } : features,
    ]);
    const startedAt = performance.now();
    const { result, settled } = this.run(bound, decoded, delivery, context, answer?.value);
    try {
      await result;
    } catch (error) {
      // Prefer the original exception when RedisStreamsExceptionFilter recorded it. Handlers may fail with anything
      // (Nest passes RpcException payloads on as plain objects): classification takes unknown.
      const failure: unknown = takeFailure(context)?.error ?? error;
      circuit?.failed(failure);
      const request = answer && { answer, policy: bound.policy };
      await this.failed(
        settlement,
        delivery,
        decoded.pattern,
        failure,
        performance.now() - startedAt,
        request,
      );
      if (settled) {
        await settled; // timed out: the delivery is settled, but the handler keeps its slot until it ends
      }
      return;
    }
    circuit?.succeeded();
    if (answer && !(await this.answered(answer, delivery))) {
      return;
    }
    if (bound.policy.autoAck || answer) {
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
    onValue: ValueSink | undefined,
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
    const running = tracing.run(() => deps.runHandler(bound.handler, decoded.data, context, onValue));
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
    request: { answer: Answer; policy: DeliveryPolicy } | undefined,
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
    if (
      request &&
      answersFailureNow(request.answer, error, failure, delivery.deliveryCount, request.policy)
    ) {
      // The caller gets the error; the request is acknowledged, not dead-lettered: its caller knows.
      if (await this.answered(request.answer, delivery, error)) {
        settlement.skip();
      }
      return;
    }
    await settlement.fail(failure);
  }

  /**
   * Sends the rest of a request's answer (its last value, or `error`); false when it could not be written: the
   * request then stays pending and is delivered again (reclaimed or re-read), unacknowledged.
   */
  private async answered(answer: Answer, delivery: Delivery, error?: unknown): Promise<boolean> {
    try {
      await (error === undefined ? answer.complete() : answer.fail(error));
      return true;
    } catch (writeError) {
      this.deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: reply not written, the request stays pending: ${describeError(writeError)}`,
      );
      return false;
    }
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
