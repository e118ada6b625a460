import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  INGESTION_QUEUE_STREAM,
  INGESTION_REQUESTED,
  LIGHTRAG_WORKERS_GROUP,
  METRICS_COLLECTOR_GROUP,
} from '@app/contracts';
import { jobKey } from '@app/shield-platform';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { ConsumerApp, createConsumerApp } from '../../apps/consumer/src/create-consumer-app';
import {
  AssetQuery,
  DASHBOARD_FILE,
  PROMETHEUS_RULE_FILE,
  dashboardQueries,
  readAsset,
  ruleQueries,
} from '../support/monitoring-assets';
import { Sample, exportedSeries, parseExposition, valueOf } from '../support/prometheus';
import { expandGrafanaVariables, promqlSelection } from '../support/promql-names';
import { SHIELD_KEYS, appLogger, listen } from '../support/shield-apps';
import { waitFor } from '../support/wait';

/**
 * The Grafana dashboard (deploy/grafana) and the PrometheusRule (deploy/k8s/base/monitoring) reference only metrics
 * the api and consumer apps export: both apps run on the shield topology, get traffic (an ingestion completed, one
 * request dead-lettered), and every metric name in every expression — parsed with the Prometheus project's PromQL
 * grammar — must be a series of their /metrics. A misspelled name is caught (the last test).
 */

const P = 'redis_streams_';

/** A reference to a metric neither app exports. */
interface Unknown {
  where: string;
  metric: string;
}

/** The metric names of `queries` that are not in `exported`; throws when an expression does not parse. */
function unknownMetrics(queries: AssetQuery[], exported: ReadonlySet<string>): Unknown[] {
  return queries.flatMap(({ where, expr }) => {
    const { metrics, errors } = promqlSelection(expandGrafanaVariables(expr));
    if (errors.length > 0) {
      throw new Error(`${where}: PromQL does not parse: ${errors.join('; ')}\n${expr}`);
    }
    return metrics.filter((metric) => !exported.has(metric)).map((metric) => ({ where, metric }));
  });
}

/** Label names used in a metric's own matchers that none of its samples carries (metrics with samples only). */
function unknownMatcherLabels(queries: AssetQuery[], samples: Sample[]): string[] {
  return queries.flatMap(({ where, expr }) =>
    [...promqlSelection(expandGrafanaVariables(expr)).matcherLabels].flatMap(([metric, labels]) => {
      const seen = samples.filter((sample) => sample.name === metric);
      const carried = new Set(seen.flatMap((sample) => Object.keys(sample.labels)));
      return seen.length === 0
        ? []
        : [...labels].filter((label) => !carried.has(label)).map((label) => `${where}: ${metric}{${label}}`);
    }),
  );
}

describe('monitoring assets use only metrics the apps export', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const dashboard = dashboardQueries(readAsset(DASHBOARD_FILE));
  const rules = ruleQueries(readAsset(PROMETHEUS_RULE_FILE));
  let api: INestApplication | undefined;
  let consumer: ConsumerApp | undefined;
  let jobId = '';
  let exported = new Set<string>();
  let samples: Sample[] = [];

  const scrape = async (base: string): Promise<string> => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    await redis.del(...SHIELD_KEYS);
    consumer = await createConsumerApp({ logger: appLogger, blockMs: 200 });
    await consumer.app.startAllMicroservices();
    const consumerUrl = await listen(consumer.app);
    api = await createApiApp({ logger: appLogger });
    const apiUrl = await listen(api);

    const accepted = await fetch(`${apiUrl}/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceUri: 'https://example.com/m', sourceType: 'text', content: 'observe me' }),
    });
    expect(accepted.status).toBe(202);
    jobId = ((await accepted.json()) as { jobId: string }).jobId;
    // A request without a job id can never be processed: the worker dead-letters it (failure, DLQ series).
    await redis.xadd(INGESTION_QUEUE_STREAM, '*', 'type', INGESTION_REQUESTED, 'data', '{}');

    const texts = await waitFor(async () => {
      const [fromConsumer, fromApi] = [await scrape(consumerUrl), await scrape(apiUrl)];
      const parsed = parseExposition(fromConsumer);
      const settled =
        valueOf(parsed, `${P}handled_total`, { group: LIGHTRAG_WORKERS_GROUP }) === 1 &&
        valueOf(parsed, `${P}dead_letters_total`, { group: LIGHTRAG_WORKERS_GROUP }) === 1 &&
        valueOf(parsed, `${P}group_backlog`, { group: METRICS_COLLECTOR_GROUP }) === 0 &&
        valueOf(parsed, `${P}dead_letter_length`, { stream: INGESTION_QUEUE_STREAM }) === 1;
      return settled ? [fromConsumer, fromApi] : undefined;
    }, 'the ingestion handled and the bad request dead-lettered, seen on /metrics');
    exported = new Set(texts.flatMap((text) => [...exportedSeries(text)]));
    samples = texts.flatMap(parseExposition);
  });

  afterAll(async () => {
    await api?.close();
    await consumer?.app.close();
    await redis.del(...SHIELD_KEYS, ...(jobId ? [jobKey(jobId)] : []));
    await redis.quit();
  });

  it('finds the expressions: every dashboard panel target and variable, every alert', () => {
    expect(dashboard.length).toBeGreaterThanOrEqual(25);
    expect(rules.map(({ where }) => where)).toEqual([
      'rule nest-redis-streams/RedisStreamsBacklogGrowing',
      'rule nest-redis-streams/RedisStreamsOldestPendingTooOld',
      'rule nest-redis-streams/RedisStreamsDeadLettersGrowing',
      'rule nest-redis-streams/RedisStreamsNoActiveConsumer',
      'rule nest-redis-streams/RedisStreamsReclaimStorm',
      'rule nest-redis-streams/RedisStreamsInspectionFailing',
    ]);
    // The traffic made the labelled series the assets lean on (not only their # TYPE lines).
    for (const name of [
      'handler_duration_seconds_bucket',
      'dead_letters_total',
      'handled_total',
      'group_backlog',
    ]) {
      expect({ name, sampled: samples.some((sample) => sample.name === `${P}${name}`) }).toEqual({
        name,
        sampled: true,
      });
    }
  });

  it('every metric the Grafana dashboard queries is on /metrics of the api or the consumer', () => {
    expect(unknownMetrics(dashboard, exported)).toEqual([]);
  });

  it('every metric the PrometheusRule alerts on is on /metrics of the api or the consumer', () => {
    expect(unknownMetrics(rules, exported)).toEqual([]);
  });

  it('the label names in their selectors are labels the metrics carry', () => {
    expect(unknownMatcherLabels([...dashboard, ...rules], samples)).toEqual([]);
  });

  it('the check fails on a misspelled metric, in the rules and in the dashboard', () => {
    const misspelledRules = readAsset(PROMETHEUS_RULE_FILE).replace(
      'max by (stream, group) (redis_streams_group_oldest_pending_age_seconds)',
      'max by (stream, group) (redis_streams_group_oldest_pending_age)',
    );
    expect(unknownMetrics(ruleQueries(misspelledRules), exported)).toEqual([
      {
        where: 'rule nest-redis-streams/RedisStreamsOldestPendingTooOld',
        metric: 'redis_streams_group_oldest_pending_age',
      },
    ]);
    const misspelledDashboard = readAsset(DASHBOARD_FILE).replaceAll(
      'redis_streams_handler_duration_seconds_bucket',
      'redis_streams_handler_duration_bucket',
    );
    expect(unknownMetrics(dashboardQueries(misspelledDashboard), exported)).toEqual([
      {
        where: 'dashboard panel "Handler duration p50 / p99" A',
        metric: 'redis_streams_handler_duration_bucket',
      },
      {
        where: 'dashboard panel "Handler duration p50 / p99" B',
        metric: 'redis_streams_handler_duration_bucket',
      },
    ]);
    // The shorthand `redis_streams_backlog` is not a metric: the backlog is redis_streams_group_backlog.
    expect(unknownMetrics([{ where: 'issue', expr: 'redis_streams_backlog > 0' }], exported)).toHaveLength(1);
  });

  it('an expression that does not parse is refused, naming where it is', () => {
    expect(() =>
      unknownMetrics([{ where: 'rule x/Broken', expr: 'a > on(group) bool b' }], exported),
    ).toThrow('rule x/Broken: PromQL does not parse');
  });
});
