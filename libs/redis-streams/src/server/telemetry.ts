import { EventEmitter } from 'node:events';
import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import {
  CircuitClosedEvent,
  CircuitOpenedEvent,
  DeadLetteredEntry,
  DeferredEntry,
  ExpiredEntry,
  DuplicateSkippedEntry,
  HandlerFailure,
  RedisStreamsServerEvents,
  RedisStreamsServerStats,
  RejectedEntry,
  RetriedEntry,
} from './server-types';

const INFORMATIONAL_COUNTERS = {
  received: 'informationalReceived',
  handled: 'informationalHandled',
  failed: 'informationalFailed',
  dropped: 'informationalDropped',
} as const;

/** The counters a server keeps (the stats without the gauges read from the parts). */
export type ServerCounters = Omit<RedisStreamsServerStats, 'inFlight' | 'running' | 'pendingAcks'>;

/**
 * Where every part of a server reports what happened to entries: one object that keeps the counters and tells the
 * listeners (`server.on(…)`: metrics, the app). Events are built only when someone listens to them. A listener that
 * throws is logged and ignored, so it never skips an acknowledgement or stops a loop.
 */
export class Telemetry {
  private readonly counters: ServerCounters = {
    received: 0,
    handled: 0,
    failed: 0,
    acked: 0,
    processedTwice: 0,
    skipped: 0,
    duplicatesSkipped: 0,
    rejected: 0,
    deletedWhilePending: 0,
    retried: 0,
    deadLettered: 0,
    reclaimed: 0,
    leasesLost: 0,
    handedOver: 0,
    lateResults: 0,
    consumerNameLost: 0,
    deferred: 0,
    circuitsOpened: 0,
    expired: 0,
    informationalReceived: 0,
    informationalHandled: 0,
    informationalFailed: 0,
    informationalDropped: 0,
    repliesSent: 0,
    repliesDropped: 0,
    requestsExpired: 0,
  };
  private readonly events = new EventEmitter();

  constructor(private readonly logger: LoggerService) {
    this.events.on('error', () => undefined); // an 'error' without a listener must not throw
  }

  /** Subscribes `listener` to `event`; what it throws is logged and otherwise ignored. */
  on<K extends keyof RedisStreamsServerEvents>(event: K, listener: RedisStreamsServerEvents[K]): void {
    const call = listener as (...args: unknown[]) => void;
    this.events.on(event, (...args: unknown[]) => {
      try {
        call(...args);
      } catch (error) {
        this.logger.error(`a listener of "${event}" threw: ${describeError(error)}`);
      }
    });
  }

  /** The counters now (a copy). */
  snapshot(): ServerCounters {
    return { ...this.counters };
  }

  received(count: number): void {
    this.counters.received += count;
  }

  /** A handler finished successfully (the hot path: no event object unless someone listens). */
  handled(stream: string, id: string, pattern: string, durationMs: number): void {
    this.counters.handled++;
    if (this.events.listenerCount('handled') > 0) {
      this.events.emit('handled', { stream, id, pattern, durationMs });
    }
  }

  /** A handler failed; `failure` is told to listeners. */
  failed(failure: HandlerFailure): void {
    this.counters.failed++;
    this.events.emit('handler-failed', failure);
  }

  /** A handler settled its delivery itself, then threw: its own settlement stands. */
  failedAfterSettling(): void {
    this.counters.failed++;
  }

  /** A handler ended after its timeout had settled the delivery: its result is ignored. */
  lateResult(): void {
    this.counters.lateResults++;
  }

  /** One informational (pub/sub) message ended this way; see the stats of the same names. */
  informational(outcome: 'received' | 'handled' | 'failed' | 'dropped'): void {
    const key = INFORMATIONAL_COUNTERS[outcome];
    this.counters[key]++;
  }

  /** A reply was written to its caller's reply stream (`sent`), or not because the caller is gone (`dropped`). */
  reply(outcome: 'sent' | 'dropped'): void {
    if (outcome === 'sent') {
      this.counters.repliesSent++;
    } else {
      this.counters.repliesDropped++;
    }
  }

  /** A request reached its handler after its caller's deadline: acknowledged, not handled. */
  requestExpired(): void {
    this.counters.requestsExpired++;
  }

  retried(entry: RetriedEntry): void {
    this.counters.retried++;
    this.events.emit('retried', entry);
  }

  /** A delivery held back by an open circuit was rescheduled. */
  deferred(entry: DeferredEntry): void {
    this.counters.deferred++;
    this.events.emit('deferred', entry);
  }

  circuitOpened(event: CircuitOpenedEvent): void {
    this.counters.circuitsOpened++;
    this.events.emit('circuit-opened', event);
  }

  circuitClosed(event: CircuitClosedEvent): void {
    this.events.emit('circuit-closed', event);
  }

  /** An entry was delivered after its expiry and not handled. */
  expired(entry: ExpiredEntry): void {
    this.counters.expired++;
    this.events.emit('expired', entry);
  }

  deadLettered(entry: DeadLetteredEntry): void {
    this.counters.deadLettered++;
    this.events.emit('dead-lettered', entry);
  }

  /** An entry could not be decoded, or had no handler where that is an error. */
  rejected(entry: RejectedEntry): void {
    this.counters.rejected++;
    this.events.emit('rejected', entry);
  }

  /** An entry of a type this group does not handle on a shared stream: acknowledged, not handled. */
  skipped(): void {
    this.counters.skipped++;
  }

  /** An idempotent handler's delivery was acknowledged as a duplicate. */
  duplicateSkipped(entry: DuplicateSkippedEntry): void {
    this.counters.duplicatesSkipped++;
    this.events.emit('duplicate-skipped', entry);
  }

  /** An XACK of `sent` ids acknowledged `acked` of them: the rest were settled elsewhere already (they ran twice). */
  acked(sent: number, acked: number): void {
    this.counters.acked += acked;
    this.counters.processedTwice += sent - acked;
  }

  /** A settlement found the entry no longer this consumer's: another consumer has it (it ran twice). */
  processedTwice(): void {
    this.counters.processedTwice++;
  }

  reclaimed(count: number): void {
    this.counters.reclaimed += count;
  }

  deletedWhilePending(count: number): void {
    this.counters.deletedWhilePending += count;
  }

  leasesLost(count: number): void {
    this.counters.leasesLost += count;
  }

  handedOver(count: number): void {
    this.counters.handedOver += count;
  }

  /** This process lost its consumer name; `error` goes to the `error` listeners. */
  consumerNameLost(error: Error): void {
    this.counters.consumerNameLost = 1;
    this.events.emit('error', error);
  }

  /** A Redis connection error (message only). */
  connectionError(error: Error): void {
    this.events.emit('error', error);
  }
}
