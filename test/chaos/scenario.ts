/**
 * What a chaos scenario is: its consumers, its Redis, its production, the fault it injects while events flow, and
 * what it predicts. A new scenario is one file in scenarios/ exporting a {@link Scenario}, listed in
 * scenarios/index.ts.
 */
import type { ConsumerExit, Fleet } from './fleet';
import type { ChaosPayload, ConsumerSettings } from './consumer-settings';
import type { Figures, HealthSummary } from './checker';
import type { HandlerRecord } from './ledger';
import type { ProduceOptions, ProductionSummary } from './producer';
import type { RedisNode, RedisProfile } from './redis-node';
import type { RedisProxy } from '../support/redis-proxy';

/** Counts of the faults a scenario injected, by kind (`SIGKILL`, `redis kill -9`, …). */
export class FaultLog {
  private readonly counts = new Map<string, number>();

  add(kind: string, times = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + times);
  }

  get(kind: string): number {
    return this.counts.get(kind) ?? 0;
  }

  /** Faults of every kind together. */
  total(): number {
    return [...this.counts.values()].reduce((sum, times) => sum + times, 0);
  }

  /** `12× SIGKILL, 3× respawn`, or `none`. */
  describe(): string {
    return this.counts.size === 0
      ? 'none'
      : [...this.counts].map(([kind, times]) => `${times}× ${kind}`).join(', ');
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** What a scenario's fault works with. */
export interface ScenarioContext {
  /** The stream the scenario's events go to (also their pattern). */
  stream: string;
  redis: RedisNode;
  /** The proxy every consumer and the producer reach Redis through (scenarios with `viaProxy` only). */
  proxy: RedisProxy | undefined;
  fleet: Fleet;
  faults: FaultLog;
  /** Aborted when the scenario's time budget is spent: every loop of a fault must stop then. */
  signal: AbortSignal;
  /** True while the runner's production is running (false when the scenario produces itself). */
  producing(): boolean;
  /** Emits `count` events at `rate`/s and resolves with their outcomes (see producer.ts). */
  produce(count: number, rate: number, options?: Omit<ProduceOptions, 'signal'>): Promise<ProductionSummary>;
  /** Waits `ms`; rejects when the budget is spent. */
  sleep(ms: number): Promise<void>;
  /** Waits until the group is drained (see checker.drain) or throws. */
  waitDrained(): Promise<void>;
  /** The event_ids handled so far (read from the handler ledgers). */
  handledIds(): Set<string>;
  /** Declares the event_ids the scenario predicts lost (for a scenario with {@link Scenario.predictedLoss}). */
  predictLoss(eventIds: readonly string[]): void;
  /** A progress line on the runner's output. */
  log(message: string): void;
}

/** What a scenario's own checks see after the checker ran. */
export interface ScenarioObservation {
  figures: Figures;
  health: HealthSummary;
  faults: FaultLog;
  /** Every line of the handler ledgers. */
  handlings: readonly HandlerRecord[];
  /** How every consumer process of the run ended (those still alive at the end are not listed). */
  exits: ConsumerExit[];
}

/** One chaos scenario. */
export interface Scenario {
  name: string;
  /** What it injects, in one line (printed under the table). */
  summary: string;
  /** Consumer processes kept running (the fault may kill and respawn them). */
  consumers: number;
  /** Overrides of the consumers' settings. */
  consumer?: Partial<ConsumerSettings>;
  /** Persistence of its Redis. Default `none`. */
  redis?: RedisProfile;
  /**
   * Consumers and producer reach Redis through a {@link RedisProxy} (the fault disturbs the network there); the
   * runner's own connection (drain, checker) does not.
   */
  viaProxy?: boolean;
  /** Events the runner emits while the fault runs (or, with `producesItself`, what the fault emits in all). */
  events: number;
  /** Events per second. */
  rate: number;
  /** Extra payload fields of the runner's `n`-th event (e.g. a crash marker). */
  mark?: (n: number) => Partial<ChaosPayload>;
  /** The fault emits through `ctx.produce` itself (phases around the fault) instead of the runner. */
  producesItself?: boolean;
  /** Injects the fault; runs alongside the runner's production; returns once the fault is healed. */
  fault(ctx: ScenarioContext): Promise<void>;
  /**
   * The rule by which this scenario predicts a loss; the fault must then call `ctx.predictLoss(ids)`, and the lost
   * event_ids must be exactly those. Without it, any loss fails the scenario.
   */
  predictedLoss?: string;
  /** The fault must have been injected at least this many times in all (proves the run attacked something). */
  minFaults?: number;
  /** Further claims of the scenario (e.g. "0 duplicates"); each returned string is a failure. */
  verify?(observation: ScenarioObservation): string[];
  /** The whole scenario (start, production, fault, drain) must end within this (ms). */
  timeBudgetMs: number;
}

/** A random integer from `min` to `max` inclusive. */
export function between(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min + 1));
}

/** Waits `ms`, or rejects as soon as `signal` is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('time budget spent'));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error('time budget spent'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** While events are produced: every `minMs`–`maxMs` (random) runs `action` (a fault's loop, bounded by the run). */
export async function repeatWhileProducing(
  ctx: ScenarioContext,
  minMs: number,
  maxMs: number,
  action: () => Promise<void>,
): Promise<void> {
  while (ctx.producing()) {
    await ctx.sleep(between(minMs, maxMs));
    if (ctx.producing()) {
      await action();
    }
  }
}

/**
 * While events are produced: every `minMs`–`maxMs` picks a random running consumer and hands it to `strike` (the
 * fault of the storm scenarios).
 */
export function strikeWhileProducing(
  ctx: ScenarioContext,
  minMs: number,
  maxMs: number,
  strike: (victim: ReturnType<ScenarioContext['fleet']['running']>[number]) => Promise<void>,
): Promise<void> {
  return repeatWhileProducing(ctx, minMs, maxMs, async () => {
    const running = ctx.fleet.running();
    const victim = running[between(0, running.length - 1)];
    if (victim) {
      await strike(victim);
    }
  });
}

/**
 * The claim of scenarios where peers take entries from live processes: some entry was taken over, and every entry
 * run twice was noticed by the process that lost it (its lease renewal or its settlement found it gone).
 */
export function takeoversNoticed({ figures, health }: ScenarioObservation): string[] {
  const { reclaimed = 0, leasesLost = 0, processedTwice = 0 } = health.counters;
  return [
    ...(reclaimed > 0 ? [] : ['no entry was taken over: the fault attacked nothing']),
    ...(leasesLost + processedTwice >= figures.redelivered
      ? []
      : [
          `${figures.redelivered} redelivered but only ${leasesLost + processedTwice} noticed ` +
            '(leasesLost + processedTwice)',
        ]),
  ];
}
