import { LoggerService } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import type { DeliveryFeatures } from '../ctx-host/delivery-features';
import { EffectQueue } from '../ctx-host/idempotent-effects';
import { describeError } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import { StreamKeys } from '../wire/stream-keys';
import { Delivery } from './delivery';
import { Outcomes } from './outcomes';
import { Settlement } from './settlement';
import { Telemetry } from './telemetry';

/** What {@link IdempotentDeliveries} needs. */
export interface IdempotentDeliveriesDeps {
  commands: RedisConnection;
  scripts: RedisScripts;
  outcomes: Outcomes;
  group: string;
  telemetry: Telemetry;
  logger: LoggerService;
}

/**
 * Deliveries of idempotent handlers. Before the handler runs, the group's marker of the event (its `event_id`, else
 * its entry id) is looked up: found, the entry is acknowledged as a duplicate without running the handler. After a
 * success the delivery is acknowledged through commit-idempotent.lua instead of the batched XACK: marker, the
 * effects the handler queued and the XACK in one step, so of two deliveries of one event that both ran (a stalled
 * consumer's and a peer's), one commits and the other is acknowledged with its effects discarded.
 */
export class IdempotentDeliveries {
  constructor(private readonly deps: IdempotentDeliveriesDeps) {}

  /**
   * Checks the marker of `delivery` for the handler registered as `handlerPattern`, whose markers live `ttlMs`.
   * Resolves with the delivery's features (its effects) when the handler should run, its `commit` set; undefined
   * when it must not: a duplicate (acknowledged and counted), or the check failed (logged; the entry stays pending
   * and comes back).
   */
  async prepare(
    delivery: Delivery,
    handlerPattern: string,
    ttlMs: number,
    event: { eventId: string | undefined; pattern: string },
    settlement: Settlement,
  ): Promise<DeliveryFeatures | undefined> {
    const { deps } = this;
    const { eventId, pattern } = event;
    const { stream, originalId } = delivery;
    const marker = StreamKeys.handledMarker(stream, deps.group, handlerPattern, eventId, originalId);
    let seen: boolean;
    try {
      seen = (await deps.commands.exists(marker)) === 1;
    } catch (error) {
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: duplicate check failed, stays pending: ${describeError(error)}`,
      );
      return undefined;
    }
    if (seen) {
      deps.telemetry.duplicateSkipped({
        stream: delivery.stream,
        id: delivery.originalId,
        pattern,
        eventId,
        stage: 'before-handler',
      });
      settlement.skip();
      return undefined;
    }
    const effects = new EffectQueue();
    delivery.commit = () => this.commit(delivery, marker, ttlMs, effects, pattern, eventId);
    return { effects };
  }

  private async commit(
    delivery: Delivery,
    marker: string,
    ttlMs: number,
    effects: EffectQueue,
    pattern: string,
    eventId: string | undefined,
  ): Promise<void> {
    const { deps } = this;
    delivery.held.renew = false; // as for the other Lua ends: a renewal racing the step would report it lost
    const encoded = effects.close();
    if (!(await deps.outcomes.mayWrite(delivery, 'not committed'))) {
      return;
    }
    let result: Awaited<ReturnType<RedisScripts['commitIdempotent']>>;
    try {
      result = await deps.scripts.commitIdempotent(
        delivery.readKey,
        marker,
        deps.group,
        delivery.id,
        ttlMs,
        delivery.originalId,
        delivery.lane,
        encoded,
      );
    } catch (error) {
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: not committed, stays pending: ${describeError(error)}`,
      );
      return;
    }
    if (result.outcome === 'effect-refused') {
      const name = effects.names()[result.effect - 1] ?? '?';
      // The Redis message may quote arguments: it goes to the dead-letter record (which holds the entry anyway),
      // the log gets the command and the error code only.
      deps.logger.warn(
        `${delivery.stream} ${delivery.originalId}: effect ${result.effect} (${name}) refused by Redis ` +
          `(${/^[A-Z]+\b/.exec(result.message)?.[0] ?? 'error'}); dead-lettering`,
      );
      await deps.outcomes.deadLetter(delivery, {
        reason: DEAD_LETTER_REASONS.effectFailed,
        errorClass: 'EffectRefusedError',
        message: `effect ${result.effect} of ${effects.size} (${name}) refused: ${result.message}`,
        pattern,
      });
      return;
    }
    deps.telemetry.acked(1, result.acked);
    if (result.outcome === 'duplicate') {
      deps.telemetry.duplicateSkipped({
        stream: delivery.stream,
        id: delivery.originalId,
        pattern,
        eventId,
        stage: 'at-commit',
      });
    }
  }
}
