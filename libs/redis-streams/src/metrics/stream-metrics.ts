import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { StreamSnapshot, inspectStreams } from '../admin/stream-inspector';
import { describeError } from '../errors/describe-error';
import { MetricSet } from './metric-set';

/** The streams to inspect: a fixed list, or a function asked at every scrape. */
export type StreamList = readonly string[] | (() => readonly string[]);

interface Source {
  redis: RedisConnection;
  streams: StreamList;
  /** True while the last inspection failed (the failure was logged; not again until it recovers). */
  failing: boolean;
}

/**
 * The scrape-time stream gauges of one metric set. Every gauge's `collect()` awaits the same inspection, so a scrape
 * costs one {@link inspectStreams} per source, whichever gauges ask. A source that fails or times out during a scrape
 * does not fail the scrape: its series are left out, `up` drops to 0 and `scrape_errors_total` counts it.
 */
export class StreamMetrics {
  private readonly sources: Source[] = [];
  private inspecting: Promise<void> | undefined;

  constructor(
    private readonly set: MetricSet,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Inspects `streams` through `redis` at every scrape from now on. */
  add(redis: RedisConnection, streams: StreamList): void {
    this.sources.push({ redis, streams, failing: false });
  }

  /** Inspects every source (joining an inspection already running for this scrape) and fills the gauges. */
  collect(): Promise<void> {
    this.inspecting ??= this.inspectAll().finally(() => {
      this.inspecting = undefined;
    });
    return this.inspecting;
  }

  private async inspectAll(): Promise<void> {
    const results = await Promise.all(this.sources.map((source) => this.inspect(source)));
    const { set } = this;
    const gauges = [
      set.streamLength,
      set.deadLetterLength,
      set.groupLag,
      set.groupPending,
      set.groupScheduledRetries,
      set.groupBacklog,
      set.groupOldestPendingAge,
      set.groupConsumers,
    ];
    gauges.forEach((gauge) => gauge.reset()); // streams or groups gone since the last scrape leave no stale series
    for (const snapshot of results.flatMap((result) => result ?? [])) {
      this.fill(snapshot);
    }
    const failures = results.filter((result) => result === undefined).length;
    set.up.set(failures === 0 ? 1 : 0);
    set.scrapeErrors.inc(failures);
  }

  private fill(snapshot: StreamSnapshot): void {
    const { set } = this;
    const { stream } = snapshot;
    set.streamLength.set({ stream }, snapshot.length);
    set.deadLetterLength.set({ stream }, snapshot.deadLetters);
    for (const group of snapshot.groups) {
      const labels = { stream, group: group.name };
      set.groupLag.set(labels, group.lag);
      set.groupPending.set(labels, group.pending);
      set.groupScheduledRetries.set(labels, group.scheduledRetries);
      set.groupBacklog.set(labels, group.backlog);
      set.groupOldestPendingAge.set(labels, (group.oldestPendingAgeMs ?? 0) / 1000);
      set.groupConsumers.set(labels, group.consumers);
    }
  }

  /** One source's snapshots, or undefined when Redis failed or did not answer within the timeout. */
  private async inspect(source: Source): Promise<StreamSnapshot[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    const inspection = (async () => {
      const streams = typeof source.streams === 'function' ? source.streams() : source.streams;
      return inspectStreams(source.redis, [...new Set(streams)]);
    })();
    inspection.catch(() => undefined); // a late failure after the timeout must not be unhandled
    try {
      const snapshots = await Promise.race([inspection, timeout]);
      if (source.failing) {
        this.logger.log('stream inspection for metrics works again');
      }
      source.failing = false;
      return snapshots;
    } catch (error) {
      if (!source.failing) {
        this.logger.warn(`stream inspection for metrics failed (series left out): ${describeError(error)}`);
      }
      source.failing = true;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
