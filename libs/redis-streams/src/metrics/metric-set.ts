import { Counter, Gauge, Histogram } from 'prom-client';
import type { OpenMetricsContentType, PrometheusContentType, Registry } from 'prom-client';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { RedisStreamsServerStats } from '../server/server-types';

/** A prom-client registry of either exposition format. */
export type MetricsRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** Handler durations (seconds): from a cache hit to a long ingestion. */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** Server stats that only exist as totals: exposed as `<prefix><name>` counters labelled by `group`. */
export const STAT_COUNTERS = {
  acked: ['acked_total', 'Entries acknowledged (XACK returned 1), retry lanes included.'],
  processedTwice: [
    'processed_twice_total',
    'Entries whose XACK or settlement found them already settled by another consumer (they ran twice).',
  ],
  reclaimed: ['reclaimed_total', 'Entries taken over from idle consumers (XAUTOCLAIM).'],
  skipped: [
    'skipped_total',
    'Entries of types this group does not handle on a shared stream: acked, not handled.',
  ],
  deletedWhilePending: ['deleted_while_pending_total', 'Entries deleted from their stream while pending.'],
  leasesLost: [
    'leases_lost_total',
    'Running entries another consumer took over before their handler finished.',
  ],
  handedOver: ['handed_over_total', 'Unfinished entries made claimable for peers at shutdown.'],
  lateResults: [
    'late_results_total',
    'Handlers that ended after their handlerTimeoutMs had settled the delivery (result ignored).',
  ],
  consumerNameLost: [
    'consumer_name_lost_total',
    '1 once another process took this consumer name while this one stalled (it stopped consuming).',
  ],
  informationalReceived: [
    'informational_received_total',
    'Informational (pub/sub, durable: false) messages received.',
  ],
  informationalHandled: ['informational_handled_total', 'Informational messages handled successfully.'],
  informationalFailed: [
    'informational_failed_total',
    'Informational messages that failed, could not be decoded or had no handler (never retried).',
  ],
  informationalDropped: [
    'informational_dropped_total',
    'Informational messages dropped because every handler slot was busy (at most once).',
  ],
  repliesSent: [
    'replies_sent_total',
    'Replies written to callers (request-reply; each Observable value counts).',
  ],
  repliesDropped: [
    'replies_dropped_total',
    'Replies not written because the caller reply stream is gone (caller closed or died).',
  ],
  requestsExpired: [
    'requests_expired_total',
    'Requests acknowledged without running: their caller had stopped waiting.',
  ],
} as const satisfies Partial<Record<keyof RedisStreamsServerStats, readonly [string, string]>>;

/** The server stats turned into counters. */
export type StatCounterKey = keyof typeof STAT_COUNTERS;

type Labels = 'stream' | 'group' | 'pattern';

/** What fills the metrics that are computed when scraped. */
export interface MetricSetHooks {
  /** Brings the stats counters and the in-flight gauge up to date (synchronous, idempotent). */
  serverStats(): void;
  /** Inspects the observed streams (once per scrape, shared by every gauge) and fills the stream gauges. */
  streams(): Promise<void>;
}

type MetricClass<M> = abstract new (...args: never[]) => M;

/** Every metric of the library on one registry, created once (or reused when already registered there). */
export class MetricSet {
  readonly emitted: Counter<'stream' | 'pattern'>;
  readonly emitDuplicates: Counter<'stream' | 'pattern'>;
  readonly emitFailures: Counter<'stream' | 'pattern' | 'code'>;
  readonly handled: Counter<Labels>;
  readonly handlerFailures: Counter<Labels | 'reason'>;
  readonly retries: Counter<Labels>;
  readonly deadLetters: Counter<Labels | 'reason'>;
  readonly rejected: Counter<'stream' | 'group' | 'reason'>;
  readonly duplicatesSkipped: Counter<Labels>;
  readonly handlerDuration: Histogram<Labels | 'outcome'>;
  readonly inFlight: Gauge<'group'>;
  readonly circuitState: Gauge<Labels>;
  readonly circuitOpened: Counter<Labels>;
  readonly circuitDeferred: Counter<Labels>;
  readonly expired: Counter<Labels>;
  readonly stats: Record<StatCounterKey, Counter<'group'>>;
  readonly streamLength: Gauge<'stream'>;
  readonly deadLetterLength: Gauge<'stream'>;
  readonly groupLag: Gauge<'stream' | 'group'>;
  readonly groupPending: Gauge<'stream' | 'group'>;
  readonly groupScheduledRetries: Gauge<'stream' | 'group'>;
  readonly groupBacklog: Gauge<'stream' | 'group'>;
  readonly groupOldestPendingAge: Gauge<'stream' | 'group'>;
  readonly groupConsumers: Gauge<'stream' | 'group'>;
  readonly scrapeErrors: Counter;
  readonly up: Gauge;

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly prefix: string,
    buckets: readonly number[],
    hooks: MetricSetHooks,
  ) {
    const stats = (): void => hooks.serverStats();
    const streams = (): Promise<void> => hooks.streams();
    const s = ['stream'] as const;
    const sg = ['stream', 'group'] as const;
    const sgp = ['stream', 'group', 'pattern'] as const;
    this.emitted = this.counter('events_emitted_total', 'Events written by clients (XADD succeeded).', [
      'stream',
      'pattern',
    ]);
    this.emitDuplicates = this.counter(
      'emit_duplicates_total',
      'Idempotent emits whose key was written already within its window (nothing written).',
      ['stream', 'pattern'],
    );
    this.emitFailures = this.counter('emit_failures_total', 'Events clients could not write.', [
      'stream',
      'pattern',
      'code',
    ]);
    this.handled = this.counter('handled_total', 'Handlers that finished successfully.', sgp);
    this.handlerFailures = this.counter('handler_failures_total', 'Handlers that failed, by reason.', [
      ...sgp,
      'reason',
    ]);
    this.retries = this.counter('retries_total', 'Failed deliveries scheduled for a retry.', sgp);
    this.deadLetters = this.counter('dead_letters_total', 'Entries moved to the dead-letter stream.', [
      ...sgp,
      'reason',
    ]);
    this.rejected = this.counter('rejected_total', 'Entries that could not be decoded or routed.', [
      ...sg,
      'reason',
    ]);
    this.duplicatesSkipped = this.counter(
      'duplicates_skipped_total',
      'Deliveries of idempotent handlers acknowledged as duplicates of an event the group handled already.',
      sgp,
    );
    this.handlerDuration =
      this.reuse(Histogram, 'handler_duration_seconds') ??
      new Histogram({
        name: this.name('handler_duration_seconds'),
        help: 'Handler run time (seconds), by outcome (success, failure).',
        labelNames: [...sgp, 'outcome'],
        buckets: [...buckets],
        registers: [registry],
      });
    this.inFlight = this.gauge('in_flight', 'Handlers running now.', ['group'], stats);
    // Circuit breakers (pattern: the handler's pattern as declared) and message TTL.
    this.circuitState = this.gauge(
      'circuit_state',
      "A handler's circuit: 0 closed, 1 open, 2 half-open.",
      sgp,
      stats,
    );
    this.circuitOpened = this.counter('circuit_opened_total', "Times a handler's circuit opened.", sgp);
    this.circuitDeferred = this.counter(
      'circuit_deferred_total',
      'Deliveries held back by an open circuit (rescheduled without counting a delivery).',
      sgp,
    );
    this.expired = this.counter(
      'expired_total',
      'Entries delivered after their expiry (message TTL), not handled.',
      sgp,
    );
    this.stats = Object.fromEntries(
      Object.entries(STAT_COUNTERS).map(([key, [name, help]]) => [
        key,
        this.counter(name, help, ['group'], stats),
      ]),
    ) as Record<StatCounterKey, Counter<'group'>>;
    this.streamLength = this.gauge('stream_length', 'Entries in the stream (XLEN).', s, streams);
    this.deadLetterLength = this.gauge(
      'dead_letter_length',
      'Entries in the dead-letter stream.',
      s,
      streams,
    );
    this.groupLag = this.gauge('group_lag', 'Entries not yet delivered to the group.', sg, streams);
    this.groupPending = this.gauge('group_pending', 'Entries delivered and not acknowledged.', sg, streams);
    this.groupScheduledRetries = this.gauge(
      'group_scheduled_retries',
      'Failed deliveries waiting for their retry.',
      sg,
      streams,
    );
    this.groupBacklog = this.gauge(
      'group_backlog',
      'Work the group still has to do: lag + pending + scheduled retries (the autoscaling signal).',
      sg,
      streams,
    );
    this.groupOldestPendingAge = this.gauge(
      'group_oldest_pending_age_seconds',
      'Age of the oldest pending entry (0 when nothing is pending).',
      sg,
      streams,
    );
    this.groupConsumers = this.gauge('group_consumers', 'Consumers registered in the group.', sg, streams);
    this.scrapeErrors = this.counter(
      'scrape_errors_total',
      'Stream inspections that failed or timed out during a scrape.',
      [],
      streams,
    );
    this.up = this.gauge('up', '1 when the last stream inspection succeeded, else 0.', [], streams);
  }

  private name(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  private counter<T extends string>(
    suffix: string,
    help: string,
    labelNames: readonly T[],
    collect?: () => void | Promise<void>,
  ): Counter<T> {
    const existing = this.reuse<Counter<T>>(Counter, suffix);
    return (
      existing ??
      new Counter<T>({ name: this.name(suffix), help, labelNames, registers: [this.registry], collect })
    );
  }

  private gauge<T extends string>(
    suffix: string,
    help: string,
    labelNames: readonly T[],
    collect: () => void | Promise<void>,
  ): Gauge<T> {
    const existing = this.reuse<Gauge<T>>(Gauge, suffix);
    return (
      existing ??
      new Gauge<T>({ name: this.name(suffix), help, labelNames, registers: [this.registry], collect })
    );
  }

  /** The metric already registered under this name (get-or-create), if it has the right type. */
  private reuse<M>(kind: MetricClass<M>, suffix: string): M | undefined {
    const existing: unknown = this.registry.getSingleMetric(this.name(suffix));
    if (existing === undefined) {
      return undefined;
    }
    if (existing instanceof kind) {
      return existing;
    }
    throw new InvalidOptionsError(`metric ${this.name(suffix)} is already registered with another type`);
  }
}
