import { readPayload } from './payload';
import { LatencySummary, wallClockMs } from './protocol';
import { percentile } from './stats';

/**
 * What the consumer saw: one bit per sequence number (so losses and duplicates show), first and last handling time,
 * and — in latency mode — emit → handler-entry latency of every event after the warm-up.
 */
export class EventTracker {
  seen = 0;
  duplicates = 0;
  invalid = 0;
  firstAt = 0;
  lastAt = 0;
  private readonly bits: Uint8Array;
  private readonly latencies: Float64Array;
  private latencyCount = 0;

  constructor(
    private readonly total: number,
    private readonly warmup: number,
    private readonly measureLatency: boolean,
    private readonly onFirst: () => void,
    private readonly onComplete: () => void,
  ) {
    this.bits = new Uint8Array(total);
    this.latencies = new Float64Array(measureLatency ? Math.max(0, total - warmup) : 0);
  }

  /** Called first thing in the handler with the payload it received. */
  readonly hit = (value: unknown): void => {
    const now = wallClockMs();
    const payload = readPayload(value);
    if (!payload || !Number.isInteger(payload.n) || payload.n < 0 || payload.n >= this.total) {
      this.invalid++;
      return;
    }
    if (this.bits[payload.n] === 1) {
      this.duplicates++;
      return;
    }
    this.bits[payload.n] = 1;
    this.seen++;
    if (this.firstAt === 0) {
      this.firstAt = now;
      this.onFirst();
    }
    this.lastAt = now;
    if (this.measureLatency && payload.n >= this.warmup) {
      this.latencies[this.latencyCount++] = now - payload.sentAt;
    }
    if (this.seen === this.total) {
      this.onComplete();
    }
  };

  latency(): LatencySummary | undefined {
    if (!this.measureLatency) {
      return undefined;
    }
    const sorted = this.latencies.slice(0, this.latencyCount).sort();
    let sum = 0;
    for (const value of sorted) {
      sum += value;
    }
    return {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
      mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
    };
  }
}
