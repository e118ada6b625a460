/**
 * One producer or consumer of one case, forked by bench/run.ts (from the transpiled build, see support/build.ts).
 * argv[2] is its ChildConfig as JSON; it talks to the orchestrator over the IPC channel (support/protocol.ts).
 */
import 'reflect-metadata';
import { loadCase } from './cases/index';
import type { CaseTarget } from './cases/case';
import { paced } from './support/pacer';
import { makePayload } from './support/payload';
import { ProcessSampler } from './support/process-metrics';
import { ChildConfig, FromChild, ToChild, wallClockMs } from './support/protocol';
import { EventTracker } from './support/tracker';

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const target: CaseTarget = { host: config.host, port: config.port };
let closeCase: (() => Promise<void>) | undefined;
let go: () => void = () => undefined;
const started = new Promise<void>((resolve) => (go = resolve));

function send(message: FromChild): void {
  process.send?.(message);
}

async function stop(code: number): Promise<never> {
  try {
    await closeCase?.();
  } finally {
    process.exit(code);
  }
}

function fail(error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'failed', message });
  void stop(1);
}

process.on('message', (message: ToChild) => {
  if (message.type === 'go') {
    go();
  } else if (message.type === 'stop') {
    void stop(0);
  }
});
process.on('disconnect', () => void stop(1)); // the orchestrator is gone
process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);

async function consumer(): Promise<void> {
  const sampler = new ProcessSampler();
  const latencyMode = config.mode === 'latency';
  let complete: () => void = () => undefined;
  const completed = new Promise<void>((resolve) => (complete = resolve));
  let cpuMicros = 0;
  let peakRssBytes = 0;
  const tracker = new EventTracker(
    config.events,
    latencyMode ? config.warmupEvents : 0,
    latencyMode,
    // A backlog is drained from listen() on: its window opens with the first event instead of at "go".
    () => (config.mode === 'backlog' ? sampler.start() : undefined),
    () => {
      cpuMicros = sampler.cpuMicros();
      peakRssBytes = sampler.peakRssBytes();
      complete();
    },
  );
  const benchCase = await loadCase(config.caseId);
  const handle = await benchCase.consumer(target, tracker.hit);
  closeCase = () => handle.close();
  const progress = setInterval(() => send({ type: 'progress', seen: tracker.seen }), 250);
  void started.then(() => sampler.start());
  send({ type: 'ready' });
  await completed;
  clearInterval(progress);
  send({ type: 'progress', seen: tracker.seen });
  const verification = await handle.verify();
  send({
    type: 'done',
    report: {
      seen: tracker.seen,
      duplicates: tracker.duplicates,
      invalid: tracker.invalid,
      firstHandledAt: tracker.firstAt,
      lastHandledAt: tracker.lastAt,
      peakRssBytes,
      maxRssBytes: ProcessSampler.maxRssBytes(),
      cpuMicros,
      latency: tracker.latency(),
      verification,
      extra: handle.extra?.(),
    },
  });
}

async function producer(): Promise<void> {
  const benchCase = await loadCase(config.caseId);
  const handle = await benchCase.producer(target);
  closeCase = () => handle.close();
  send({ type: 'ready' });
  await started;
  const cpuStart = process.cpuUsage();
  let errors = 0;
  let firstAt = 0;
  let maxLagMs = 0;
  if (config.mode === 'latency') {
    const sends: Promise<unknown>[] = [];
    maxLagMs = await paced(config.events, config.rate, (n) => {
      const sentAt = wallClockMs();
      firstAt ||= sentAt;
      sends.push(handle.one(makePayload(n, sentAt)).catch(() => errors++));
    });
    await Promise.all(sends);
  } else {
    firstAt = wallClockMs();
    await handle.burst(config.events, (n) => makePayload(n, wallClockMs()));
  }
  const lastAt = wallClockMs();
  const cpu = process.cpuUsage(cpuStart);
  send({
    type: 'produced',
    report: { sent: config.events, errors, firstAt, lastAt, maxLagMs, cpuMicros: cpu.user + cpu.system },
  });
}

(config.role === 'consumer' ? consumer() : producer()).catch(fail);
