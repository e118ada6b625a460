/**
 * Runs one scenario: its Redis and consumers up, production and fault together, the drain, the checker, the
 * scenario's own claims — all within its time budget — then everything it started torn down, on every path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  DrainResult,
  computeFigures,
  deadLetteredEventIds,
  drain,
  judge,
  readHandlings,
  summariseHealth,
} from './checker';
import { DEFAULT_CONSUMER_SETTINGS } from './consumer-settings';
import { Fleet } from './fleet';
import { Producer } from './producer';
import { RedisNode } from './redis-node';
import { RedisProxy } from '../support/redis-proxy';
import { ScenarioReport } from './report';
import { FaultLog, Scenario, ScenarioContext, sleep } from './scenario';

/** The consumer group of every scenario. */
const GROUP = 'chaos';
/** Kept out of each budget for the cleanup. */
const CLEANUP_MARGIN_MS = 5000;

/** What one scenario run started, released on every path. */
interface Resources {
  dir: string;
  redis?: RedisNode;
  proxy?: RedisProxy;
  fleet?: Fleet;
  producer?: Producer;
}

/** The run in progress (scenarios run one at a time), for {@link abandonActiveRun}. */
let active: Resources | undefined;

/** Fields of a report that only a run that got as far as the checker has. */
type Checked = Pick<ScenarioReport, 'figures' | 'health' | 'timeToRecoverMs' | 'prediction' | 'verdict'>;

/** Runs `scenario` within its time budget and reports on it; never throws. */
export async function runScenario(
  scenario: Scenario,
  log: (message: string) => void,
): Promise<ScenarioReport> {
  const started = Date.now();
  const resources: Resources = { dir: mkdtempSync(join(tmpdir(), `nrs-chaos-${scenario.name}-`)) };
  active = resources;
  const controller = new AbortController();
  const budget = setTimeout(() => controller.abort(), scenario.timeBudgetMs - CLEANUP_MARGIN_MS);
  const faults = new FaultLog();
  let checked: Checked;
  try {
    const spent = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () =>
        reject(new Error(`time budget of ${scenario.timeBudgetMs / 1000} s spent`)),
      ),
    );
    spent.catch(() => undefined); // also aborted on the way out of a run that ended in time
    checked = await Promise.race([
      exercise(scenario, resources, { signal: controller.signal, faults, log, started }),
      spent,
    ]);
  } catch (error) {
    checked = {
      verdict: {
        pass: false,
        label: 'FAIL',
        problems: [`aborted: ${error instanceof Error ? error.message : String(error)}`],
      },
    };
  } finally {
    clearTimeout(budget);
    controller.abort();
    await release(resources);
    active = undefined;
  }
  const report: ScenarioReport = {
    name: scenario.name,
    summary: scenario.summary,
    faults: faults.describe(),
    faultCounts: faults.toJSON(),
    ...checked,
    wallMs: Date.now() - started,
  };
  if (report.verdict.pass) {
    rmSync(resources.dir, { recursive: true, force: true });
  } else {
    report.keptDir = resources.dir;
  }
  return report;
}

/** Last resort for an interrupted runner: kills the current run's consumers (at once) and Redis, removes its ledgers. */
export function abandonActiveRun(): Promise<void> {
  const resources = active;
  if (!resources) {
    return Promise.resolve();
  }
  resources.fleet?.killNow();
  void resources.proxy?.close();
  return (resources.redis?.destroy() ?? Promise.resolve()).finally(() =>
    rmSync(resources.dir, { recursive: true, force: true }),
  );
}

async function exercise(
  scenario: Scenario,
  resources: Resources,
  run: { signal: AbortSignal; faults: FaultLog; log: (message: string) => void; started: number },
): Promise<Checked> {
  const { dir } = resources;
  const { signal, faults, log } = run;
  const deadline = run.started + scenario.timeBudgetMs - CLEANUP_MARGIN_MS;
  const stream = `chaos.${scenario.name}`;
  const redis = await RedisNode.start(scenario.redis ?? 'none');
  resources.redis = redis;
  const proxy = scenario.viaProxy ? await RedisProxy.start(redis.port) : undefined;
  resources.proxy = proxy;
  const clientUrl = proxy?.url ?? redis.url;
  const fleet = new Fleet({
    redisUrl: clientUrl,
    stream,
    group: GROUP,
    dir,
    settings: { ...DEFAULT_CONSUMER_SETTINGS, ...scenario.consumer },
  });
  resources.fleet = fleet;
  await fleet.start(scenario.consumers);
  const producer = new Producer(clientUrl, stream, dir, `${scenario.name}-${randomBytes(3).toString('hex')}`);
  resources.producer = producer;
  const drainFor = (limitMs: number): Promise<DrainResult> =>
    drain(redis.command, {
      stream,
      group: GROUP,
      dir,
      timeoutMs: Math.max(1000, Math.min(limitMs, deadline - Date.now())),
      signal,
    });

  let predicted: string[] | undefined;
  let producing = !scenario.producesItself;
  const ctx: ScenarioContext = {
    stream,
    redis,
    proxy,
    fleet,
    faults,
    signal,
    producing: () => producing,
    produce: (count, rate, options) => producer.produce(count, rate, { ...options, signal }),
    sleep: (ms) => sleep(ms, signal),
    waitDrained: async () => {
      const result = await drainFor(60_000);
      if (!result.drained) {
        throw new Error(
          `not drained while the fault waited (pending ${result.last.pending}, lag ${result.last.lag})`,
        );
      }
    },
    handledIds: () => new Set(readHandlings(dir).map((record) => record.e)),
    predictLoss: (ids) => {
      predicted = [...(predicted ?? []), ...ids];
    },
    log: (message) => log(`  ${scenario.name}: ${message}`),
  };
  log(`${scenario.name}: ${scenario.consumers} consumers up; ${scenario.summary}`);
  const production = scenario.producesItself
    ? undefined
    : producer.produce(scenario.events, scenario.rate, { mark: scenario.mark, signal }).finally(() => {
        producing = false;
      });
  await Promise.all([production, scenario.fault(ctx)]);
  // Healed when the fault says so; consumers still starting are part of the recovery, not of the fault.
  const healedAt = Date.now();
  await fleet.settle(scenario.consumers);
  log(`  ${scenario.name}: fault healed (${faults.describe()}), draining`);
  const drained = await drainFor(Number.POSITIVE_INFINITY);

  const figures = computeFigures(dir, await deadLetteredEventIds(redis.command, stream));
  const health = summariseHealth(dir);
  const problems: string[] = [];
  if (scenario.minFaults !== undefined && faults.total() < scenario.minFaults) {
    problems.push(`only ${faults.total()} fault(s) injected, at least ${scenario.minFaults} needed`);
  }
  if (scenario.predictedLoss && predicted === undefined) {
    problems.push('the scenario predicts a loss but its fault declared none');
  }
  const exits = fleet.all.flatMap((member) => (member.exit ? [member.exit] : []));
  problems.push(
    ...(scenario.verify?.({ figures, health, faults, handlings: readHandlings(dir), exits }) ?? []),
  );
  const prediction = scenario.predictedLoss && predicted ? { ids: predicted } : undefined;
  return {
    figures,
    health,
    timeToRecoverMs: drained.drained ? drained.drainedAt - healedAt : undefined,
    prediction: prediction && { rule: scenario.predictedLoss ?? '', count: prediction.ids.length },
    verdict: judge(figures, drained, prediction, problems),
  };
}

async function release(resources: Resources): Promise<void> {
  await resources.producer?.close();
  await resources.fleet?.destroy();
  await resources.proxy?.close();
  await resources.redis?.destroy();
}
