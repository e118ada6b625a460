import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { register as globalRegistry } from 'prom-client';
import type { ClientRedisStreams } from '../client/client-redis-streams';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import type { ServerRedisStreams } from '../server/server-redis-streams';
import { PatternLabels, errorCodeLabel, validatePrefix } from './metric-labels';
import { DEFAULT_DURATION_BUCKETS, MetricSet, MetricsRegistry } from './metric-set';
import { ServerMetrics } from './server-metrics';
import { StreamList, StreamMetrics } from './stream-metrics';

/** Default prefix of every metric name. */
export const DEFAULT_METRICS_PREFIX = 'redis_streams_';
/** Default cap on distinct `pattern` label values (later ones are reported as `_other`). */
export const DEFAULT_MAX_PATTERNS = 200;
/** Default time a scrape waits for the stream inspection (ms). */
export const DEFAULT_INSPECT_TIMEOUT_MS = 2000;

/**
 * Options of {@link RedisStreamsMetrics}. Instances on the same registry and prefix share their metrics: the first
 * one's buckets, pattern cap and timeout apply.
 */
export interface RedisStreamsMetricsOptions {
  /** Where the metrics are registered; default prom-client's global `register`. */
  registry?: MetricsRegistry;
  /** Prefix of every metric name; default `redis_streams_`. */
  prefix?: string;
  /** Buckets of `handler_duration_seconds`; default 1 ms … 120 s. */
  durationBuckets?: readonly number[];
  /** Distinct `pattern` label values kept before later ones become `_other`; default 200. */
  maxPatterns?: number;
  /** How long a scrape waits for the stream inspection before it reports `up 0` (ms); default 2000. */
  inspectTimeoutMs?: number;
}

/** Everything observed on one registry under one prefix. */
interface Hub {
  set: MetricSet;
  servers: ServerMetrics;
  streams: StreamMetrics;
  patterns: PatternLabels;
  clients: WeakSet<ClientRedisStreams>;
}

// Owned by the registry (prom-client's object, so held here by weak key and gone with it): every instance on one
// registry and prefix must feed the one set of metrics prom-client lets it register there.
const hubs = new WeakMap<MetricsRegistry, Map<string, Hub>>();

function hubFor(registry: MetricsRegistry, prefix: string, options: RedisStreamsMetricsOptions): Hub {
  let byPrefix = hubs.get(registry);
  if (!byPrefix) {
    byPrefix = new Map();
    hubs.set(registry, byPrefix);
  }
  const known = byPrefix.get(prefix);
  // After registry.clear() the old metrics are gone from it: start over.
  if (known && registry.getSingleMetric(`${prefix}handled_total`) === known.set.handled) {
    return known;
  }
  const timeoutMs = options.inspectTimeoutMs ?? DEFAULT_INSPECT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) {
    throw new InvalidOptionsError(`inspectTimeoutMs must be positive, got ${timeoutMs}`);
  }
  const patterns = new PatternLabels(options.maxPatterns ?? DEFAULT_MAX_PATTERNS);
  // The metrics' collect() hooks need the collectors, which need the metrics: tie the knot through `parts`.
  const parts: { servers?: ServerMetrics; streams?: StreamMetrics } = {};
  const set = new MetricSet(registry, prefix, options.durationBuckets ?? DEFAULT_DURATION_BUCKETS, {
    serverStats: () => parts.servers?.collect(),
    streams: () => parts.streams?.collect() ?? Promise.resolve(),
  });
  const servers = (parts.servers = new ServerMetrics(set, patterns));
  const streams = (parts.streams = new StreamMetrics(set, timeoutMs, new Logger(RedisStreamsMetrics.name)));
  const hub: Hub = { set, servers, streams, patterns, clients: new WeakSet() };
  byPrefix.set(prefix, hub);
  return hub;
}

/**
 * Prometheus metrics (prom-client) of servers, clients and streams: what was emitted, handled, failed, retried,
 * dead-lettered, acknowledged; handler durations; and, computed when scraped, each group's backlog
 * (lag + pending + scheduled retries) and oldest pending age — the signal to autoscale consumers on.
 * Labels are stream, group, pattern and reason codes: never payloads or entry ids.
 *
 * @example
 * const metrics = new RedisStreamsMetrics({ registry });
 * metrics.observeServer(server).observeClient(client).observeStreams(redis, ['orders']);
 * // GET /metrics → res.type(registry.contentType).send(await registry.metrics())
 */
export class RedisStreamsMetrics {
  /** The registry the metrics are registered in. */
  readonly registry: MetricsRegistry;
  private readonly hub: Hub;

  constructor(options: RedisStreamsMetricsOptions = {}) {
    this.registry = options.registry ?? globalRegistry;
    this.hub = hubFor(this.registry, validatePrefix(options.prefix ?? DEFAULT_METRICS_PREFIX), options);
  }

  /** Counts what `server` does from now on (outcomes by stream/group/pattern; stats; in-flight). Idempotent. */
  observeServer(server: ServerRedisStreams): this {
    this.hub.servers.add(server);
    return this;
  }

  /**
   * Counts the events `client` writes (`events_emitted_total`), the idempotent emits it found written already
   * (`emit_duplicates_total`) and those it fails to write (`emit_failures_total`).
   */
  observeClient(client: ClientRedisStreams): this {
    const { set, patterns, clients } = this.hub;
    if (clients.has(client)) {
      return this;
    }
    clients.add(client);
    client.on('emitted', ({ stream, pattern, duplicate }) => {
      (duplicate ? set.emitDuplicates : set.emitted).inc({ stream, pattern: patterns.label(pattern) });
    });
    client.on('emit-failed', ({ stream, pattern, code }) => {
      set.emitFailures.inc({ stream, pattern: patterns.label(pattern), code: errorCodeLabel(code) });
    });
    return this;
  }

  /**
   * Reports, at every scrape, the length and dead letters of `streams` and per consumer group its lag, pending,
   * scheduled retries, backlog, oldest pending age and consumers, read through `redis` (a command connection).
   */
  observeStreams(redis: RedisConnection, streams: StreamList): this {
    this.hub.streams.add(redis, streams);
    return this;
  }
}
