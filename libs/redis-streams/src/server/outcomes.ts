import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';
import { StreamKeys } from '../wire/stream-keys';
import { traceLogSuffix, traceparentOfFields } from '../tracing/trace-headers';
import { AckBatcher } from './ack-batcher';
import { DeadLetterReason } from '../wire/dead-letter-reasons';
import { encodeDeadLetter } from '../wire/dead-letter-record';
import { Delivery } from './delivery';
import { encodeLaneFields } from '../wire/lane-fields';
import { Telemetry } from './telemetry';

/** What is recorded about a failure in a dead-letter entry. */
export interface DeadLetterCause {
  reason: DeadLetterReason;
  errorClass: string;
  message: string;
  stack?: string;
  constraints?: string[];
  pattern?: string;
}

/** What {@link Outcomes} needs. */
export interface OutcomesDeps {
  scripts: RedisScripts;
  acks: AckBatcher;
  group: string;
  consumer: string;
  /** The dead-letter stream of a source stream (its route's `deadLetterStream`, else StreamKeys.deadLetter). */
  deadLetterStreamOf(stream: string): string;
  /** Cap on each original field value copied into a dead-letter entry (bytes). */
  maxFieldBytes: number;
  /** Most original field pairs copied into a dead-letter entry (the server's `maxFields`). */
  maxFields: number;
  /** Most original bytes copied into a dead-letter entry (the server's `maxEntryBytes`). */
  maxEntryBytes: number;
  /** False (or a promise of false) once this process may no longer settle entries (it lost its consumer name). */
  mayWrite(): boolean | Promise<boolean>;
  telemetry: Telemetry;
  logger: LoggerService;
}

/** Why a retry or dead letter did nothing: the Lua step found the entry no longer pending for this consumer. */
const NOT_OURS =
  'the entry is no longer pending for this consumer (acknowledged, or taken over by another consumer while this ' +
  'one stalled); nothing written';

/**
 * The three ends of a delivery: acknowledged (batched), scheduled for a retry in the group's own lane, or moved to
 * the stream's dead-letter stream — the last two atomically with their XACK (Lua). If Redis refuses a step the
 * entry simply stays pending and comes back (PEL re-read or reclaim): nothing is acknowledged without its record.
 */
export class Outcomes {
  constructor(private readonly deps: OutcomesDeps) {}

  ack(delivery: Delivery): void {
    this.deps.acks.add(delivery.readKey, delivery.id);
  }

  /** Acknowledges a handled delivery: batched, or through its commit for an idempotent handler. */
  succeed(delivery: Delivery): Promise<void> | undefined {
    if (delivery.commit) {
      return delivery.commit();
    }
    this.ack(delivery);
    return undefined;
  }

  /**
   * The entry's lease is no longer renewed once its end is on the way: a renewal racing the Lua step would find it
   * acknowledged and report it lost.
   */
  private ending(delivery: Delivery): void {
    delivery.held.renew = false;
  }

  /**
   * False when this process lost its consumer name (or cannot confirm it now): the entry then stays pending. `what`
   * says in the log what was not done.
   */
  async mayWrite(delivery: Delivery, what: string): Promise<boolean> {
    try {
      const answer = this.deps.mayWrite();
      if (answer === true || (await answer)) {
        return true;
      }
      this.deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: ${what}: this process lost its consumer name`,
      );
    } catch (error) {
      this.deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: ${what}, stays pending: consumer name not confirmed: ${describeError(error)}`,
      );
    }
    return false;
  }

  /**
   * Schedules the next delivery in `delayMs`, for this group only (`pattern` only labels the `retried` event). With
   * `deferredBy` (the circuit that held the delivery back) the delivery is not counted: the lane entry carries one
   * delivery less, so the next one has the same count, and a `deferred` event is told instead of `retried`.
   */
  async retry(delivery: Delivery, delayMs: number, pattern?: string, deferredBy?: string): Promise<void> {
    const { deps } = this;
    this.ending(delivery);
    if (!(await this.mayWrite(delivery, 'retry not scheduled'))) {
      return;
    }
    const member = JSON.stringify([
      ...(delivery.fields ?? []).map((field) => field.toString()),
      ...encodeLaneFields({
        originalId: delivery.originalId,
        deliveries: deferredBy === undefined ? delivery.deliveryCount : delivery.deliveryCount - 1,
        firstFailure: delivery.firstFailure ?? (deferredBy === undefined ? new Date().toISOString() : ''),
        redrivenFrom: delivery.redrivenFrom,
      }),
    ]);
    try {
      const scheduled = await deps.scripts.scheduleRetry(
        delivery.readKey,
        StreamKeys.retrySchedule(delivery.stream, deps.group),
        deps.group,
        deps.consumer,
        delivery.id,
        delayMs,
        member,
        delivery.lane,
      );
      if (scheduled) {
        delivery.retryDelayMs = delayMs; // an ordered key waits for it (a retry, or a deferral by an open circuit)
      }
      if (scheduled && deferredBy !== undefined) {
        deps.telemetry.deferred({
          stream: delivery.stream,
          id: delivery.originalId,
          pattern,
          circuit: deferredBy,
          delayMs,
        });
      } else if (scheduled) {
        deps.telemetry.retried({
          stream: delivery.stream,
          id: delivery.originalId,
          pattern,
          delayMs,
          deliveryCount: delivery.deliveryCount,
        });
      } else {
        deps.telemetry.processedTwice();
        deps.logger.warn(`${delivery.stream} ${delivery.originalId}: retry not scheduled: ${NOT_OURS}`);
      }
    } catch (error) {
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: retry not scheduled, stays pending: ${describeError(error)}`,
      );
    }
  }

  /** Moves the entry to the dead-letter stream with its envelope. */
  async deadLetter(delivery: Delivery, cause: DeadLetterCause): Promise<void> {
    const { deps } = this;
    this.ending(delivery);
    if (!(await this.mayWrite(delivery, 'not dead-lettered'))) {
      return;
    }
    const now = new Date().toISOString();
    const fields = encodeDeadLetter({
      fields: delivery.fields,
      copyLimits: {
        maxFieldBytes: deps.maxFieldBytes,
        maxFields: deps.maxFields,
        maxBytes: deps.maxEntryBytes,
      },
      stream: delivery.stream,
      group: deps.group,
      consumer: deps.consumer,
      pattern: cause.pattern,
      originalId: delivery.originalId,
      attempts: delivery.deliveryCount,
      reason: cause.reason,
      errorClass: cause.errorClass,
      errorMessage: cause.message,
      errorStack: cause.stack,
      constraints: cause.constraints,
      firstFailure: delivery.firstFailure ?? now,
      lastFailure: now,
      redrivenFrom: delivery.redrivenFrom,
    });
    try {
      const deadLetterId = await deps.scripts.deadLetter(
        delivery.readKey,
        deps.deadLetterStreamOf(delivery.stream),
        deps.group,
        deps.consumer,
        delivery.id,
        delivery.lane,
        fields,
      );
      if (!deadLetterId) {
        deps.telemetry.processedTwice();
        deps.logger.warn(`${delivery.stream} ${delivery.originalId}: not dead-lettered: ${NOT_OURS}`);
        return;
      }
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: dead-lettered (${cause.reason}) after ${delivery.deliveryCount} deliveries` +
          traceLogSuffix(traceparentOfFields(delivery.fields)),
      );
      deps.telemetry.deadLettered({
        stream: delivery.stream,
        id: delivery.originalId,
        deadLetterId,
        reason: cause.reason,
        group: deps.group,
        pattern: cause.pattern,
      });
    } catch (error) {
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: not dead-lettered, stays pending: ${describeError(error)}`,
      );
    }
  }
}
