import type { CaseId, ConsumerReport, LatencySummary, Mode, ProducerReport } from './protocol';
import { Spread, spread } from './stats';

/** One case in one mode in one run. */
export interface CaseResult {
  caseId: CaseId;
  mode: Mode;
  run: number;
  events: number;
  ok: boolean;
  error?: string;
  /** Backlog mode: entries waiting before the consumer started. */
  backlog?: number;
  /** throughput: first event produced → last handled; backlog: first handled → last handled. */
  eventsPerSec?: number;
  /** First handled → last handled. */
  consumerEventsPerSec?: number;
  consumerPeakRssMb?: number;
  consumerCpuMicrosPerEvent?: number;
  redisCpuMicrosPerEvent?: number;
  /** Redis commands the case caused (`INFO commandstats` calls, before → after): shows how reads and acks batch. */
  redisCalls?: Record<string, number>;
  /** Backlog mode: Redis used_memory once the stream was filled. */
  redisUsedMemoryMb?: number;
  latency?: LatencySummary;
  producer?: ProducerReport;
  consumer?: ConsumerReport;
}

export interface CaseSummary {
  caseId: CaseId;
  mode: Mode;
  backlog?: number;
  okRuns: number;
  failedRuns: number;
  eventsPerSec: Spread;
  /** Per run: this case ÷ B (throughput) or ÷ the smallest backlog (backlog), medians of same-run ratios. */
  ratio: Spread;
  consumerPeakRssMb: Spread;
  consumerCpuMicrosPerEvent: Spread;
  redisCpuMicrosPerEvent: Spread;
  redisUsedMemoryMb: Spread;
  p50: Spread;
  p95: Spread;
  p99: Spread;
  max: Spread;
  /** Latency mode: p99 ÷ B's p99 in the same run. */
  p99Ratio: Spread;
}

export interface Goal {
  goal: string;
  /** Cases the goal compares (it is left out when one of them was not selected). */
  needs: CaseId[];
  measured: number;
  threshold: number;
  met: boolean | undefined;
}

type Key = `${Mode}:${CaseId}:${number}`;
const keyOf = (r: Pick<CaseResult, 'mode' | 'caseId' | 'backlog'>): Key =>
  `${r.mode}:${r.caseId}:${r.backlog ?? 0}`;

/** Same-run ratio `value(a) / value(b)` for every run where both succeeded. */
function ratios(
  results: CaseResult[],
  a: (r: CaseResult) => boolean,
  b: (r: CaseResult) => boolean,
  value: (r: CaseResult) => number | undefined,
): number[] {
  const runs = [...new Set(results.map((r) => r.run))];
  return runs.map((run) => {
    const x = results.find((r) => r.run === run && r.ok && a(r));
    const y = results.find((r) => r.run === run && r.ok && b(r));
    const vx = x ? value(x) : undefined;
    const vy = y ? value(y) : undefined;
    return vx !== undefined && vy !== undefined && vy !== 0 ? vx / vy : Number.NaN;
  });
}

export function summarise(results: CaseResult[]): CaseSummary[] {
  const groups = new Map<Key, CaseResult[]>();
  for (const result of results) {
    groups.set(keyOf(result), [...(groups.get(keyOf(result)) ?? []), result]);
  }
  const smallestBacklog = Math.min(...results.filter((r) => r.mode === 'backlog').map((r) => r.backlog ?? 0));
  return [...groups.values()].map((group) => {
    const first = group[0];
    const ok = group.filter((r) => r.ok);
    const of = (value: (r: CaseResult) => number | undefined): Spread =>
      spread(group.map((r) => (r.ok ? (value(r) ?? Number.NaN) : Number.NaN)));
    const same = (r: CaseResult): boolean => keyOf(r) === keyOf(first);
    const base =
      first.mode === 'backlog'
        ? (r: CaseResult) => r.mode === 'backlog' && r.backlog === smallestBacklog
        : (r: CaseResult) => r.mode === first.mode && r.caseId === 'B';
    return {
      caseId: first.caseId,
      mode: first.mode,
      backlog: first.backlog,
      okRuns: ok.length,
      failedRuns: group.length - ok.length,
      eventsPerSec: of((r) => r.eventsPerSec),
      ratio: spread(ratios(results, same, base, (r) => r.eventsPerSec)),
      consumerPeakRssMb: of((r) => r.consumerPeakRssMb),
      consumerCpuMicrosPerEvent: of((r) => r.consumerCpuMicrosPerEvent),
      redisCpuMicrosPerEvent: of((r) => r.redisCpuMicrosPerEvent),
      redisUsedMemoryMb: of((r) => r.redisUsedMemoryMb),
      p50: of((r) => r.latency?.p50),
      p95: of((r) => r.latency?.p95),
      p99: of((r) => r.latency?.p99),
      max: of((r) => r.latency?.max),
      p99Ratio: spread(ratios(results, same, base, (r) => r.latency?.p99)),
    };
  });
}

/** The targets whose cases were run, each from medians of same-run ratios. */
export function goals(results: CaseResult[]): Goal[] {
  const is = (mode: Mode, id: CaseId) => (r: CaseResult) => r.mode === mode && r.caseId === id;
  const sameRun = (
    a: (r: CaseResult) => boolean,
    b: (r: CaseResult) => boolean,
    value: (r: CaseResult) => number | undefined,
  ): number => spread(ratios(results, a, b, value)).median;
  const eventsPerSec = (r: CaseResult): number | undefined => r.eventsPerSec;
  const goal = (text: string, needs: CaseId[], measured: number, threshold: number): Goal => {
    const atMost = text.includes('≤');
    const met = Number.isFinite(measured)
      ? atMost
        ? measured <= threshold
        : measured >= threshold
      : undefined;
    return { goal: text, needs, measured, threshold, met };
  };
  const list: Goal[] = [
    goal(
      'P throughput ≥ 0.6 × B',
      ['P', 'B'],
      sameRun(is('throughput', 'P'), is('throughput', 'B'), eventsPerSec),
      0.6,
    ),
    goal(
      'P throughput ≥ 4 × D',
      ['P', 'D'],
      sameRun(is('throughput', 'P'), is('throughput', 'D'), eventsPerSec),
      4,
    ),
    goal(
      'P throughput ≥ 1.5 × E',
      ['P', 'E'],
      sameRun(is('throughput', 'P'), is('throughput', 'E'), eventsPerSec),
      1.5,
    ),
    goal(
      'P p99 at the fixed rate ≤ 1.5 × B p99',
      ['P', 'B'],
      sameRun(is('latency', 'P'), is('latency', 'B'), (r) => r.latency?.p99),
      1.5,
    ),
    goal(
      'P consumer peak RSS ≤ E (throughput mode), as P ÷ E',
      ['P', 'E'],
      sameRun(is('throughput', 'P'), is('throughput', 'E'), (r) => r.consumerPeakRssMb),
      1,
    ),
  ];
  const backlogs = results.filter((r) => r.mode === 'backlog').map((r) => r.backlog ?? 0);
  const smallest = Math.min(...backlogs);
  const largest = Math.max(...backlogs);
  if (backlogs.length > 0 && largest > smallest) {
    const backlogOf = (size: number) => (r: CaseResult) => r.mode === 'backlog' && r.backlog === size;
    list.push(
      goal(
        `P throughput with ${largest.toLocaleString('en-US')} waiting ≥ 0.9 × with ${smallest.toLocaleString('en-US')}`,
        ['P'],
        sameRun(backlogOf(largest), backlogOf(smallest), eventsPerSec),
        0.9,
      ),
    );
  }
  const ran = new Set(results.map((r) => r.caseId));
  return list.filter((g) => g.needs.every((id) => ran.has(id)));
}
