/**
 * Side-by-side benchmark (issue 5): raw ioredis (B), this project (P), BullMQ (D) and Nest's Redis transport (E),
 * each producer and consumer in its own process, against a private redis-server, in one invocation.
 * Usage: npm run bench -- [--events 100000] [--runs 1] [--cases B,P,D,E] [--rate 2000] [--latency-seconds 10]
 *        [--no-latency] [--no-backlog] [--backlog-sizes 10000,1000000] [--out bench/results]
 * Results: <out>/<timestamp>.json and <out>/latest.md; the Markdown table is also printed on stdout.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Redis } from 'ioredis';
import { GROUP, STREAM } from './cases/case';
import { buildForChildren, removeBuild } from './support/build';
import { BenchChild } from './support/children';
import { markdown } from './support/markdown';
import { makePayload } from './support/payload';
import { CASE_IDS, CaseId, ChildConfig, Mode, ProducerReport, wallClockMs } from './support/protocol';
import { BenchRedis, redisServerVersion } from './support/redis-server';
import { CaseResult, goals, summarise } from './support/results';

const ROOT = resolve(__dirname, '..');
const MB = 1024 * 1024;

interface Options {
  events: number;
  runs: number;
  cases: CaseId[];
  rate: number;
  latencySeconds: number;
  warmupSeconds: number;
  latency: boolean;
  backlog: boolean;
  backlogSizes: number[];
  caseTimeout: number;
  stallSeconds: number;
  out: string;
  /** Directory for CPU profiles of the producer and consumer processes (`node --cpu-prof`), if set. */
  profile?: string;
}

function positiveInt(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) {
    throw new InvalidArgumentError('a positive integer');
  }
  return n;
}

function parseOptions(argv: string[]): Options {
  const program = new Command('bench')
    .description('B (raw ioredis) vs P (this project) vs D (BullMQ) vs E (Nest Transport.REDIS), one run')
    .option('--events <n>', 'events per throughput case', positiveInt, 100_000)
    .option('--runs <k>', 'repetitions; medians and min–max are reported', positiveInt, 1)
    .option('--cases <list>', 'cases to run, comma-separated', 'B,P,D,E')
    .option('--rate <n>', 'latency mode: events per second', positiveInt, 2000)
    .option('--latency-seconds <s>', 'latency mode: measured seconds', positiveInt, 10)
    .option('--warmup-seconds <s>', 'latency mode: warm-up seconds, discarded', positiveInt, 2)
    .option('--no-latency', 'skip the latency mode')
    .option('--no-backlog', 'skip the backlog scenario (P only)')
    .option('--backlog-sizes <list>', 'backlog scenario: entries waiting, comma-separated', '10000,1000000')
    .option('--case-timeout <s>', 'a case that has not finished after this long fails', positiveInt, 300)
    .option(
      '--stall-seconds <s>',
      'fail a case when nothing is handled for this long after production',
      positiveInt,
      15,
    )
    .option('--out <dir>', 'results directory', 'bench/results')
    .option(
      '--profile <dir>',
      'write a CPU profile of every producer and consumer process to <dir> (summarise with npm run bench:profile)',
    )
    .parse(argv);
  const raw = program.opts<
    Omit<Options, 'cases' | 'backlogSizes'> & { cases: string; backlogSizes: string }
  >();
  const cases = raw.cases.split(',').map((c) => c.trim().toUpperCase());
  const unknown = cases.filter((c) => !CASE_IDS.includes(c as CaseId));
  if (unknown.length > 0 || cases.length === 0) {
    program.error(`--cases: unknown case(s) ${unknown.join(', ')}; known: ${CASE_IDS.join(', ')}`);
  }
  const backlogSizes = raw.backlogSizes.split(',').map((s) => positiveInt(s.trim()));
  return {
    ...raw,
    cases: CASE_IDS.filter((id) => cases.includes(id)),
    backlogSizes: [...new Set(backlogSizes)].sort((a, b) => a - b),
    out: resolve(ROOT, raw.out),
    profile: raw.profile === undefined ? undefined : resolve(raw.profile),
  };
}

function log(message: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function redisCpuMicros(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1e6;
}

/** Calls per command since the server started (`INFO commandstats`), e.g. `{ xreadgroup: 1200, xack: 1180 }`. */
async function redisCommandCalls(admin: Redis): Promise<Record<string, number>> {
  const calls: Record<string, number> = {};
  for (const [, name, count] of (await admin.info('commandstats')).matchAll(
    /cmdstat_([\w|]+):calls=(\d+)/g,
  )) {
    calls[name] = Number(count);
  }
  return calls;
}

async function redisUsedMemory(admin: Redis): Promise<number> {
  const info = await admin.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

function packageVersion(name: string): string {
  const file = join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function environment(): Record<string, string | number> {
  let nproc = cpus().length;
  try {
    nproc = Number(execSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // keep os.cpus()
  }
  const model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  return {
    node: process.version,
    redisServer: redisServerVersion() ?? 'missing',
    ioredis: packageVersion('ioredis'),
    bullmq: packageVersion('bullmq'),
    nestMicroservices: packageVersion('@nestjs/microservices'),
    nproc,
    cpu: model ?? 'unknown',
    loadavg1AtStart: Number(loadavg()[0].toFixed(2)),
  };
}

/** Every child and the server, so that any exit path (error, SIGINT, deadline) stops them. */
class Resources {
  readonly children = new Set<BenchChild>();
  redis: BenchRedis | undefined;
  buildDir: string | undefined;

  releaseNow(): void {
    for (const child of this.children) {
      child.kill();
    }
    this.children.clear();
    this.redis?.stop();
    this.redis = undefined;
    if (this.buildDir) {
      removeBuild(this.buildDir);
      this.buildDir = undefined;
    }
  }
}

class Bench {
  readonly results: CaseResult[] = [];
  readonly failures: string[] = [];

  constructor(
    private readonly options: Options,
    private readonly resources: Resources,
    private readonly redis: BenchRedis,
    private readonly admin: Redis,
    private readonly buildDir: string,
  ) {}

  async runAll(): Promise<void> {
    const { options } = this;
    const latencyEvents = options.rate * (options.warmupSeconds + options.latencySeconds);
    for (let run = 1; run <= options.runs; run++) {
      for (const id of options.cases) {
        await this.runCase(run, id, 'throughput', options.events);
      }
      if (options.latency) {
        for (const id of options.cases) {
          await this.runCase(run, id, 'latency', latencyEvents);
        }
      }
      if (options.backlog && options.cases.includes('P')) {
        for (const size of options.backlogSizes) {
          await this.runCase(run, 'P', 'backlog', size);
        }
      }
    }
  }

  private spawn(config: Omit<ChildConfig, 'host' | 'port'>): BenchChild {
    const child = new BenchChild(
      this.buildDir,
      { ...config, host: '127.0.0.1', port: this.redis.port },
      this.options.profile,
    );
    this.resources.children.add(child);
    return child;
  }

  private async runCase(run: number, caseId: CaseId, mode: Mode, events: number): Promise<void> {
    const { options, admin } = this;
    const label = `run ${run}/${options.runs} ${mode} ${caseId}${mode === 'backlog' ? ` (${events} waiting)` : ''}`;
    const result: CaseResult = {
      caseId,
      mode,
      run,
      events,
      ok: false,
      backlog: mode === 'backlog' ? events : undefined,
    };
    const children: BenchChild[] = [];
    const deadline = Date.now() + options.caseTimeout * 1000;
    const base = {
      caseId,
      mode,
      events,
      warmupEvents: options.rate * options.warmupSeconds,
      rate: options.rate,
    };
    try {
      await admin.flushall();
      if (mode === 'backlog') {
        log(`${label}: filling the stream`);
        await admin.xgroup('CREATE', STREAM, GROUP, '0', 'MKSTREAM');
        const { prefill } = await import('./cases/project');
        await prefill(admin, events, (n) => makePayload(n, wallClockMs()));
        result.redisUsedMemoryMb = (await redisUsedMemory(admin)) / MB;
      }
      const redisCpuStart = await redisCpuMicros(admin);
      const callsStart = await redisCommandCalls(admin);
      log(`${label}: starting`);
      const consumer = this.spawn({ ...base, role: 'consumer' });
      children.push(consumer);
      await consumer.next('ready', deadline);
      let produced: ProducerReport | undefined;
      let producedAt = 0;
      if (mode !== 'backlog') {
        const producer = this.spawn({ ...base, role: 'producer' });
        children.push(producer);
        await producer.next('ready', deadline, () => consumer.failureReason);
        await sleep(300); // the consumer sits idle in its blocking read / subscription before the first event
        consumer.send({ type: 'go' });
        producer.send({ type: 'go' });
        produced = (await producer.next('produced', deadline, () => consumer.failureReason)).report;
        producedAt = Date.now();
      }
      const stallMs = options.stallSeconds * 1000;
      const done = (
        await consumer.next('done', deadline, () => {
          const quietSince = Math.max(consumer.progress.changedAt, producedAt);
          if ((mode === 'backlog' || produced) && Date.now() - quietSince > stallMs) {
            const seen = consumer.progress.seen;
            return `${seen}/${events} events handled, none for ${options.stallSeconds} s: ${events - seen} lost or stuck`;
          }
          return undefined;
        })
      ).report;
      const redisCpu = (await redisCpuMicros(admin)) - redisCpuStart;
      const callsEnd = await redisCommandCalls(admin);
      result.redisCalls = Object.fromEntries(
        Object.entries(callsEnd)
          .map(([name, count]): [string, number] => [name, count - (callsStart[name] ?? 0)])
          .filter(([name, count]) => count > 0 && !['info', 'flushall'].includes(name)),
      );
      result.producer = produced;
      result.consumer = done;
      const start = mode === 'backlog' ? done.firstHandledAt : (produced?.firstAt ?? done.firstHandledAt);
      result.eventsPerSec = events / ((done.lastHandledAt - start) / 1000);
      result.consumerEventsPerSec = (events - 1) / ((done.lastHandledAt - done.firstHandledAt) / 1000);
      result.consumerPeakRssMb = done.peakRssBytes / MB;
      result.consumerCpuMicrosPerEvent = done.cpuMicros / events;
      result.redisCpuMicrosPerEvent = redisCpu / events;
      result.latency = done.latency;
      const problems = [
        done.seen !== events ? `${events - done.seen} events never handled` : '',
        done.invalid > 0 ? `${done.invalid} unexpected payloads` : '',
        produced && produced.errors > 0 ? `${produced.errors} sends failed` : '',
        done.verification.ok ? '' : `verification failed: ${done.verification.detail}`,
      ].filter(Boolean);
      if (problems.length > 0) {
        throw new Error(`${label}: ${problems.join('; ')}`);
      }
      result.ok = true;
      const detail =
        mode === 'latency' && done.latency
          ? `p50 ${done.latency.p50.toFixed(2)} ms, p99 ${done.latency.p99.toFixed(2)} ms`
          : `${Math.round(result.eventsPerSec)} events/s`;
      log(
        `${label}: ${detail}, consumer peak RSS ${result.consumerPeakRssMb.toFixed(0)} MB, ` +
          `${result.consumerCpuMicrosPerEvent.toFixed(1)} µs CPU/event` +
          (result.redisCalls.xreadgroup
            ? `, ${(events / result.redisCalls.xreadgroup).toFixed(1)} events per XREADGROUP`
            : '') +
          `${done.duplicates > 0 ? `, ${done.duplicates} duplicates` : ''}; ${done.verification.detail}`,
      );
    } catch (error) {
      result.ok = false;
      result.error = error instanceof Error ? error.message : String(error);
      this.failures.push(`${label}: ${result.error.split('\n')[0]}`);
      log(`${label}: FAILED: ${result.error}`);
    } finally {
      await Promise.all(children.map((child) => child.stop()));
      for (const child of children) {
        this.resources.children.delete(child);
      }
    }
    this.results.push(result);
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv);
  const env = environment();
  const resources = new Resources();
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping children and redis-server`);
    resources.releaseNow();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => resources.releaseNow());
  const startedAt = new Date();
  try {
    log('transpiling bench/ and libs/redis-streams for the child processes');
    resources.buildDir = buildForChildren(ROOT);
    resources.redis = await BenchRedis.start();
    log(`redis-server ${env.redisServer} on ${resources.redis.url} (--save "" --appendonly no)`);
    const admin = new Redis(resources.redis.url);
    const bench = new Bench(options, resources, resources.redis, admin, resources.buildDir);
    try {
      await bench.runAll();
    } finally {
      admin.disconnect();
    }
    const summaries = summarise(bench.results);
    const targets = goals(bench.results);
    const environmentLine =
      `${startedAt.toISOString()} · node ${env.node} · redis-server ${env.redisServer} · ioredis ${env.ioredis} · ` +
      `bullmq ${env.bullmq} · @nestjs/microservices ${env.nestMicroservices} · ${env.nproc} × ${env.cpu} ` +
      `(load ${env.loadavg1AtStart} at start)`;
    const table = markdown(summaries, targets, {
      events: options.events,
      runs: options.runs,
      rate: options.rate,
      warmupSeconds: options.warmupSeconds,
      latencySeconds: options.latencySeconds,
      environment: environmentLine,
      failures: bench.failures,
    });
    mkdirSync(options.out, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
    const jsonFile = join(options.out, `${stamp}.json`);
    writeFileSync(
      jsonFile,
      `${JSON.stringify(
        {
          startedAt,
          finishedAt: new Date(),
          options,
          environment: env,
          summaries,
          goals: targets,
          failures: bench.failures,
          results: bench.results,
        },
        (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value),
        2,
      )}\n`,
    );
    writeFileSync(join(options.out, 'latest.md'), `${table}\n`);
    console.log(table);
    log(`results: ${jsonFile} and ${join(options.out, 'latest.md')}`);
    if (bench.failures.length > 0) {
      log(`${bench.failures.length} case(s) failed`);
      return 1;
    }
    return 0;
  } finally {
    resources.releaseNow();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
