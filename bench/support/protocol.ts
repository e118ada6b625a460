/** Messages and shapes shared by the orchestrator (bench/run.ts) and its child processes (bench/child.ts). */

export type CaseId = 'B' | 'P' | 'D' | 'E';
export const CASE_IDS: readonly CaseId[] = ['B', 'P', 'D', 'E'];

/** throughput: N events as fast as possible; latency: a fixed rate; backlog: drain a pre-filled stream (P only). */
export type Mode = 'throughput' | 'latency' | 'backlog';

/** What a child is told on its command line (JSON). */
export interface ChildConfig {
  role: 'consumer' | 'producer';
  caseId: CaseId;
  mode: Mode;
  host: string;
  port: number;
  /** Events the consumer must see (throughput, backlog) or the producer sends in all (latency: warm-up included). */
  events: number;
  /** Latency mode: events of the warm-up, not measured. */
  warmupEvents: number;
  /** Latency mode: events per second. */
  rate: number;
}

export type ToChild = { type: 'go' } | { type: 'stop' };

export type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; seen: number }
  | { type: 'produced'; report: ProducerReport }
  | { type: 'done'; report: ConsumerReport }
  | { type: 'failed'; message: string };

export interface ProducerReport {
  sent: number;
  errors: number;
  /** Wall clock (performance.timeOrigin + performance.now(), ms) of the first and last send. */
  firstAt: number;
  lastAt: number;
  /** Latency mode: how late the producer ran behind its schedule at worst (ms). */
  maxLagMs: number;
  cpuMicros: number;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export interface Verification {
  /** Entries left pending (XPENDING summary, or BullMQ jobs not finished); null where the transport has none. */
  pending: number | null;
  ok: boolean;
  detail: string;
}

export interface ConsumerReport {
  /** Distinct events seen (by sequence number). */
  seen: number;
  duplicates: number;
  invalid: number;
  firstHandledAt: number;
  lastHandledAt: number;
  /** Peak RSS sampled every 50 ms during the measured window (bytes). */
  peakRssBytes: number;
  /** process.resourceUsage().maxRSS over the whole process life (bytes). */
  maxRssBytes: number;
  /** User + system CPU of the consumer process during the measured window (µs). */
  cpuMicros: number;
  latency?: LatencySummary;
  verification: Verification;
  extra?: Record<string, unknown>;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes of one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
