import type { CircuitBreakerSettings } from '../options/circuit-breaker-options';

/** Where a circuit stands: `closed` (calls flow), `open` (calls wait), `half-open` (a few probes run). */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Why a circuit opened. */
export type CircuitOpenCause = 'consecutive-failures' | 'failure-ratio' | 'probe-failed' | 'probe-stalled';

/** A state change, told to the breaker's `onTransition`. */
export type CircuitTransition =
  | { to: 'open'; cause: CircuitOpenCause; openMs: number; at: number }
  | { to: 'closed'; at: number; openForMs: number };

/** The right to make one call, returned by {@link CircuitBreaker.tryAcquire}; hand it back with its outcome. */
export interface CircuitPermit {
  /** The period (closed or half-open) it was given in: an outcome from an earlier period is ignored. */
  readonly period: number;
  /** True for a half-open probe. */
  readonly probe: boolean;
  /** Probe number (probes only). */
  readonly id: number;
}

/** What a finished call says about the downstream: transient failure, success, or nothing (a permanent failure). */
export type CallOutcome = 'success' | 'failure' | 'neutral';

/** How many buckets the `failureRatio` window is cut into (its resolution: windowMs / 10). */
const WINDOW_BUCKETS = 10;

/** Calls and failures over the last `windowMs`, in fixed-width buckets (constant memory). */
class RollingWindow {
  private readonly width: number;
  private readonly starts = new Array<number>(WINDOW_BUCKETS).fill(-Infinity);
  private readonly calls = new Array<number>(WINDOW_BUCKETS).fill(0);
  private readonly failures = new Array<number>(WINDOW_BUCKETS).fill(0);

  constructor(windowMs: number) {
    this.width = Math.max(1, Math.ceil(windowMs / WINDOW_BUCKETS));
  }

  add(now: number, failed: boolean): void {
    const slot = Math.floor(now / this.width);
    const index = slot % WINDOW_BUCKETS;
    if (this.starts[index] !== slot) {
      this.starts[index] = slot;
      this.calls[index] = 0;
      this.failures[index] = 0;
    }
    this.calls[index]++;
    if (failed) {
      this.failures[index]++;
    }
  }

  /** Calls and failures in the buckets of the last window (the current bucket included). */
  totals(now: number): { calls: number; failures: number } {
    const slot = Math.floor(now / this.width);
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < WINDOW_BUCKETS; i++) {
      if (this.starts[i] > slot - WINDOW_BUCKETS) {
        calls += this.calls[i];
        failures += this.failures[i];
      }
    }
    return { calls, failures };
  }

  clear(): void {
    this.starts.fill(-Infinity);
  }
}

/** What a breaker needs besides its settings. */
export interface CircuitBreakerHooks {
  /** The clock (ms); injectable for tests. */
  now?: () => number;
  /** Told of every change to open or closed (half-open is reached by time alone and not told). */
  onTransition?: (transition: CircuitTransition) => void;
}

/**
 * One circuit breaker: pure state, no I/O. Closed, it counts transient failures (in a row, and over a sliding window
 * for `failureRatio`) and opens when a rule trips. Open, it refuses calls until `openMs` passed; then, half-open, it
 * lets `halfOpenProbes` calls through at once: that many successes close it, one failure reopens it for twice the last
 * open time (up to `maxOpenMs`). A probe still running after `maxOpenMs` counts as failed (`probe-stalled`), so a
 * handler that hangs cannot keep the circuit half-open for ever.
 */
export class CircuitBreaker {
  private stored: CircuitState = 'closed';
  private period = 0;
  private consecutive = 0;
  private readonly window: RollingWindow;
  /** The open time in force (doubled by each failed probe, back to `openMs` once closed). */
  private openMsNow: number;
  private openedAt = 0;
  private openUntil = 0;
  private readonly probes = new Map<number, number>();
  private probesSucceeded = 0;
  private nextProbeId = 1;
  private readonly now: () => number;
  /** Times it opened (reopenings after a failed probe included). */
  opened = 0;

  constructor(
    readonly settings: CircuitBreakerSettings,
    private readonly hooks: CircuitBreakerHooks = {},
  ) {
    this.now = hooks.now ?? Date.now;
    this.window = new RollingWindow(settings.windowMs);
    this.openMsNow = settings.openMs;
  }

  /** The state now (open turns half-open once its time has passed). */
  get state(): CircuitState {
    this.refresh(this.now());
    return this.stored;
  }

  /** The open time in force: the last one used, or the next one if a probe fails (ms). */
  get openMs(): number {
    return this.openMsNow;
  }

  /** When the current open period ends (ms), or undefined when not open. */
  get openEndsAt(): number | undefined {
    return this.state === 'open' ? this.openUntil : undefined;
  }

  /**
   * A permit for one call, or undefined when the call must wait: the circuit is open, or half-open with every probe
   * slot taken. Every permit must be handed back to {@link record}.
   */
  tryAcquire(): CircuitPermit | undefined {
    const now = this.now();
    this.refresh(now);
    if (this.stored === 'closed') {
      return { period: this.period, probe: false, id: 0 };
    }
    if (this.stored === 'half-open' && this.probes.size < this.settings.halfOpenProbes) {
      const id = this.nextProbeId++;
      this.probes.set(id, now);
      return { period: this.period, probe: true, id };
    }
    return undefined;
  }

  /**
   * When a call refused now should be tried again (ms): the end of the open period, or, while half-open with its
   * probes running, one base `openMs` from now (by then the probes have decided, or have stalled).
   */
  retryAt(): number {
    const now = this.now();
    this.refresh(now);
    return this.stored === 'open' ? this.openUntil : now + this.settings.openMs;
  }

  /** The outcome of a call made with `permit`. An outcome from a period that has ended is ignored. */
  record(permit: CircuitPermit, outcome: CallOutcome): void {
    const now = this.now();
    this.refresh(now);
    if (permit.period !== this.period) {
      return;
    }
    if (permit.probe) {
      this.recordProbe(permit, outcome, now);
      return;
    }
    if (outcome === 'neutral' || this.stored !== 'closed') {
      return;
    }
    const failed = outcome === 'failure';
    this.consecutive = failed ? this.consecutive + 1 : 0;
    this.window.add(now, failed);
    if (failed) {
      const cause = this.tripCause(now);
      if (cause) {
        this.open(cause, this.settings.openMs, now);
      }
    }
  }

  private recordProbe(permit: CircuitPermit, outcome: CallOutcome, now: number): void {
    if (this.stored !== 'half-open' || !this.probes.delete(permit.id)) {
      return;
    }
    if (outcome === 'failure') {
      this.open('probe-failed', this.backedOff(), now);
    } else if (outcome === 'success' && ++this.probesSucceeded >= this.settings.halfOpenProbes) {
      this.close(now);
    }
  }

  private tripCause(now: number): CircuitOpenCause | undefined {
    const { consecutiveFailures, failureRatio, minimumCalls } = this.settings;
    if (consecutiveFailures !== undefined && this.consecutive >= consecutiveFailures) {
      return 'consecutive-failures';
    }
    if (failureRatio !== undefined) {
      const { calls, failures } = this.window.totals(now);
      if (calls >= minimumCalls && failures >= failureRatio * calls) {
        return 'failure-ratio';
      }
    }
    return undefined;
  }

  /** Time-driven changes: open → half-open when its time is up; a stalled probe reopens the circuit. */
  private refresh(now: number): void {
    if (this.stored === 'open' && now >= this.openUntil) {
      this.stored = 'half-open';
      this.period++;
      this.probes.clear();
      this.probesSucceeded = 0;
    }
    if (this.stored === 'half-open') {
      for (const startedAt of this.probes.values()) {
        if (now - startedAt >= this.settings.maxOpenMs) {
          this.open('probe-stalled', this.backedOff(), now);
          return;
        }
      }
    }
  }

  private backedOff(): number {
    return Math.min(this.settings.maxOpenMs, this.openMsNow * 2);
  }

  private open(cause: CircuitOpenCause, openMs: number, now: number): void {
    if (this.stored === 'closed') {
      this.openedAt = now;
    }
    this.stored = 'open';
    this.period++;
    this.openMsNow = openMs;
    this.openUntil = now + openMs;
    this.probes.clear();
    this.opened++;
    this.hooks.onTransition?.({ to: 'open', cause, openMs, at: now });
  }

  private close(now: number): void {
    this.stored = 'closed';
    this.period++;
    this.consecutive = 0;
    this.window.clear();
    this.probes.clear();
    this.openMsNow = this.settings.openMs;
    this.hooks.onTransition?.({ to: 'closed', at: now, openForMs: now - this.openedAt });
  }
}
