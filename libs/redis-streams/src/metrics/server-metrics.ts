import type { ServerRedisStreams } from '../server/server-redis-streams';
import { DEAD_LETTER_REASONS } from '../wire/dead-letter-reasons';
import { PatternLabels } from './metric-labels';
import { MetricSet, STAT_COUNTERS, StatCounterKey } from './metric-set';

const STAT_KEYS = Object.keys(STAT_COUNTERS) as StatCounterKey[];

/** The value of `circuit_state` per state. */
const CIRCUIT_STATE_VALUES = { closed: 0, open: 1, 'half-open': 2 } as const;

interface Observed {
  server: ServerRedisStreams;
  group: string;
  /** The stats already counted. */
  counted: Record<StatCounterKey, number>;
}

/**
 * The servers of one metric set. Outcomes known per entry (handled, failed, retried, dead-lettered, rejected, and the
 * handler duration) are counted from server events, with stream, group and pattern labels. Totals the server only
 * keeps as stats (acked, processed twice, reclaimed, skipped …) are added to their counters at scrape time, by the
 * growth since the last scrape: counters never go down, and no event is needed on the hot ack path.
 */
export class ServerMetrics {
  private readonly observed: Observed[] = [];

  constructor(
    private readonly set: MetricSet,
    private readonly patterns: PatternLabels,
  ) {}

  /** Starts counting `server` (its stats from now on); false when it is observed already. */
  add(server: ServerRedisStreams): boolean {
    if (this.observed.some((entry) => entry.server === server)) {
      return false;
    }
    const group = server.options.group;
    this.observed.push({ server, group, counted: this.statsOf(server) });
    for (const key of STAT_KEYS) {
      this.set.stats[key].inc({ group }, 0); // the series exists (at 0) from the start
    }
    this.subscribe(server, group);
    return true;
  }

  /** Adds each stat's growth since the last scrape to its counter; sets the in-flight and circuit gauges. */
  collect(): void {
    const inFlight = new Map<string, number>();
    this.set.circuitState.reset();
    for (const entry of this.observed) {
      for (const { stream, group, pattern, state } of entry.server.getCircuits()) {
        const labels = { stream, group, pattern: this.patterns.label(pattern) };
        this.set.circuitState.set(labels, CIRCUIT_STATE_VALUES[state]);
        this.set.circuitOpened.inc(labels, 0); // the series exists (at 0) before the first opening
      }
      const stats = entry.server.getStats();
      for (const key of STAT_KEYS) {
        const growth = stats[key] - entry.counted[key];
        if (growth > 0) {
          this.set.stats[key].inc({ group: entry.group }, growth);
        }
        entry.counted[key] = stats[key];
      }
      inFlight.set(entry.group, (inFlight.get(entry.group) ?? 0) + stats.inFlight);
    }
    this.set.inFlight.reset();
    inFlight.forEach((count, group) => this.set.inFlight.set({ group }, count));
  }

  private subscribe(server: ServerRedisStreams, group: string): void {
    const { set, patterns } = this;
    server.on('handled', ({ stream, pattern, durationMs }) => {
      const labels = { stream, group, pattern: patterns.label(pattern) };
      set.handled.inc(labels);
      set.handlerDuration.observe({ ...labels, outcome: 'success' }, durationMs / 1000);
    });
    server.on('handler-failed', ({ stream, pattern, reason, durationMs }) => {
      const labels = { stream, group, pattern: patterns.label(pattern) };
      set.handlerFailures.inc({ ...labels, reason });
      set.handlerDuration.observe({ ...labels, outcome: 'failure' }, durationMs / 1000);
    });
    server.on('retried', ({ stream, pattern }) => {
      set.retries.inc({ stream, group, pattern: patterns.label(pattern) });
    });
    server.on('dead-lettered', ({ stream, pattern, reason }) => {
      // A type nobody here handles is whatever a producer wrote: not a label value.
      const label = reason === DEAD_LETTER_REASONS.noHandler ? '' : patterns.label(pattern);
      set.deadLetters.inc({ stream, group, pattern: label, reason });
    });
    server.on('rejected', ({ stream, reason }) => set.rejected.inc({ stream, group, reason }));
    server.on('circuit-opened', ({ stream, pattern }) => {
      set.circuitOpened.inc({ stream, group, pattern: patterns.label(pattern) });
    });
    server.on('deferred', ({ stream, circuit }) => {
      set.circuitDeferred.inc({ stream, group, pattern: patterns.label(circuit) });
    });
    server.on('expired', ({ stream, pattern }) => {
      set.expired.inc({ stream, group, pattern: patterns.label(pattern) });
    });
    server.on('duplicate-skipped', ({ stream, pattern }) => {
      set.duplicatesSkipped.inc({ stream, group, pattern: patterns.label(pattern) });
    });
  }

  private statsOf(server: ServerRedisStreams): Record<StatCounterKey, number> {
    const stats = server.getStats();
    return Object.fromEntries(STAT_KEYS.map((key) => [key, stats[key]])) as Record<StatCounterKey, number>;
  }
}
