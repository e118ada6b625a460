import type { RedisConnection } from '../redis/redis-connection';
import { StreamSnapshot, inspectStreams } from '../admin/stream-inspector';
import { describeError } from '../errors/describe-error';
import { BudgetBreach, StreamBudget, budgetBreaches, describeBreach } from './stream-budget';
import { HealthIndicatorResult } from './redis-streams.health-indicator';

/** The detailed health report (`/health/detailed`). */
export interface DetailedStreamHealth {
  /** `down` when Redis did not answer in time or a budget limit is exceeded. */
  status: 'up' | 'down';
  /** PING round trip (ms); null when Redis did not answer. */
  latencyMs: number | null;
  streams: StreamSnapshot[];
  breaches: BudgetBreach[];
  /** Why Redis could not be read (message only). */
  error?: string;
}

/** Options of {@link detailedStreamHealth}. */
export interface DetailedHealthOptions {
  budget?: StreamBudget;
  /** How long Redis gets to answer everything (default 2000 ms). */
  timeoutMs?: number;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined); // a late rejection after the timeout must not go unhandled
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * PING latency plus, per stream, length, groups, consumers, pending, lag, scheduled retries, backlog, oldest pending
 * age and dead letters, checked against an optional budget. Never throws: a Redis failure is a `down` report.
 */
export async function detailedStreamHealth(
  redis: RedisConnection,
  streams: readonly string[],
  options: DetailedHealthOptions = {},
): Promise<DetailedStreamHealth> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const started = performance.now();
  try {
    await withTimeout(redis.ping(), timeoutMs, 'PING');
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const snapshots = await withTimeout(inspectStreams(redis, streams), timeoutMs, 'stream inspection');
    const breaches = budgetBreaches(snapshots, options.budget ?? {});
    return { status: breaches.length === 0 ? 'up' : 'down', latencyMs, streams: snapshots, breaches };
  } catch (error) {
    return { status: 'down', latencyMs: null, streams: [], breaches: [], error: describeError(error) };
  }
}

/**
 * A Terminus-shaped check that the streams are within `budget` (lag, backlog, oldest pending age, dead letters).
 * For readiness only when you mean it: a pod that is "not ready" because of backlog gets no traffic but keeps
 * consuming, so this suits API pods that should stop accepting work a backlog cannot absorb.
 */
export async function streamBudgetCheck<Key extends string>(
  key: Key,
  redis: RedisConnection,
  streams: readonly string[],
  budget: StreamBudget,
  timeoutMs?: number,
): Promise<HealthIndicatorResult<Key>> {
  const report = await detailedStreamHealth(redis, streams, { budget, timeoutMs });
  const result = {} as HealthIndicatorResult<Key>;
  result[key] = {
    status: report.status,
    ...(report.error ? { error: report.error } : {}),
    breaches: report.breaches.map(describeBreach),
  };
  return result;
}
