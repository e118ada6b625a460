import { CircuitBreakerSettings } from '../options/circuit-breaker-options';
import { CircuitBreaker, CircuitPermit, CircuitTransition } from './circuit-breaker';

const SETTINGS: CircuitBreakerSettings = {
  consecutiveFailures: 3,
  failureRatio: undefined,
  windowMs: 1000,
  minimumCalls: 4,
  openMs: 100,
  maxOpenMs: 350,
  halfOpenProbes: 1,
};

function breaker(settings: Partial<CircuitBreakerSettings> = {}): {
  cb: CircuitBreaker;
  clock: { t: number };
  transitions: CircuitTransition[];
} {
  const clock = { t: 10_000 };
  const transitions: CircuitTransition[] = [];
  const cb = new CircuitBreaker(
    { ...SETTINGS, ...settings },
    { now: () => clock.t, onTransition: (t) => transitions.push(t) },
  );
  return { cb, clock, transitions };
}

function call(cb: CircuitBreaker, outcome: 'success' | 'failure' | 'neutral'): boolean {
  const permit = cb.tryAcquire();
  if (!permit) {
    return false;
  }
  cb.record(permit, outcome);
  return true;
}

describe('circuit breaker (state machine)', () => {
  it('consecutive mode: opens after N transient failures in a row; a success in between resets the count', () => {
    const { cb, transitions } = breaker();
    call(cb, 'failure');
    call(cb, 'failure');
    call(cb, 'success');
    call(cb, 'failure');
    call(cb, 'failure');
    expect(cb.state).toBe('closed');
    call(cb, 'failure');
    expect(cb.state).toBe('open');
    expect(transitions).toEqual([{ to: 'open', cause: 'consecutive-failures', openMs: 100, at: 10_000 }]);
    expect(cb.tryAcquire()).toBeUndefined();
    expect(cb.retryAt()).toBe(10_100);
    expect(cb.opened).toBe(1);
  });

  it('neutral outcomes (permanent failures) neither count nor reset', () => {
    const { cb } = breaker();
    call(cb, 'failure');
    call(cb, 'neutral');
    call(cb, 'failure');
    call(cb, 'neutral');
    expect(cb.state).toBe('closed');
    call(cb, 'failure');
    expect(cb.state).toBe('open');
  });

  it('ratio mode: opens when failures/calls over the window reach the ratio, once minimumCalls are seen', () => {
    const { cb, clock, transitions } = breaker({ consecutiveFailures: undefined, failureRatio: 0.5 });
    call(cb, 'failure');
    call(cb, 'failure');
    call(cb, 'failure'); // 3/3 but under minimumCalls (4)
    expect(cb.state).toBe('closed');
    call(cb, 'success'); // 3/4 = 0.75 ≥ 0.5, but a success never opens
    expect(cb.state).toBe('closed');
    call(cb, 'failure'); // 4/5
    expect(cb.state).toBe('open');
    expect(transitions[0]).toMatchObject({ to: 'open', cause: 'failure-ratio' });
    clock.t += 100;
    call(cb, 'success'); // the probe closes it
    expect(cb.state).toBe('closed');
  });

  it('ratio mode: calls older than the window no longer count', () => {
    const { cb, clock } = breaker({ consecutiveFailures: undefined, failureRatio: 0.5 });
    for (let i = 0; i < 3; i++) {
      call(cb, 'failure');
    }
    clock.t += 1100; // the three failures left the window
    call(cb, 'success');
    call(cb, 'success');
    call(cb, 'success');
    call(cb, 'failure'); // 1/4
    expect(cb.state).toBe('closed');
    call(cb, 'failure'); // 2/5
    expect(cb.state).toBe('closed');
    call(cb, 'failure'); // 3/6 = 0.5
    expect(cb.state).toBe('open');
  });

  it('both rules: whichever trips first', () => {
    const { cb } = breaker({ consecutiveFailures: 3, failureRatio: 0.9, minimumCalls: 100 });
    call(cb, 'failure');
    call(cb, 'failure');
    call(cb, 'failure');
    expect(cb.state).toBe('open');
  });

  it('half-open after openMs: one probe at a time; success closes, the open time starts again from openMs', () => {
    const { cb, clock, transitions } = breaker();
    for (let i = 0; i < 3; i++) {
      call(cb, 'failure');
    }
    clock.t += 99;
    expect(cb.state).toBe('open');
    expect(cb.tryAcquire()).toBeUndefined();
    clock.t += 1;
    expect(cb.state).toBe('half-open');
    const probe = cb.tryAcquire() as CircuitPermit;
    expect(probe.probe).toBe(true);
    expect(cb.tryAcquire()).toBeUndefined(); // the only probe slot is taken
    expect(cb.retryAt()).toBe(clock.t + 100); // others wait one openMs
    clock.t += 30;
    cb.record(probe, 'success');
    expect(cb.state).toBe('closed');
    expect(transitions[1]).toEqual({ to: 'closed', at: 10_130, openForMs: 130 });
    expect(cb.openMs).toBe(100);
  });

  it('a failed probe reopens with the open time doubled, capped at maxOpenMs; success resets it', () => {
    const { cb, clock, transitions } = breaker();
    for (let i = 0; i < 3; i++) {
      call(cb, 'failure');
    }
    const opens: number[] = [];
    for (let round = 0; round < 4; round++) {
      clock.t += cb.openMs;
      expect(cb.state).toBe('half-open');
      expect(call(cb, 'failure')).toBe(true);
      expect(cb.state).toBe('open');
      opens.push(cb.openMs);
    }
    expect(opens).toEqual([200, 350, 350, 350]);
    expect(transitions.slice(1).map((t) => (t.to === 'open' ? t.cause : t.to))).toEqual([
      'probe-failed',
      'probe-failed',
      'probe-failed',
      'probe-failed',
    ]);
    expect(cb.opened).toBe(5);
    clock.t += 350;
    call(cb, 'success');
    expect(cb.state).toBe('closed');
    expect(cb.openMs).toBe(100);
    for (let i = 0; i < 3; i++) {
      call(cb, 'failure');
    }
    expect(transitions.at(-1)).toMatchObject({ to: 'open', openMs: 100 });
  });

  it('halfOpenProbes: that many probes at once; all must succeed to close; a neutral one frees its slot', () => {
    const { cb, clock } = breaker({ halfOpenProbes: 2 });
    for (let i = 0; i < 3; i++) {
      call(cb, 'failure');
    }
    clock.t += 100;
    const a = cb.tryAcquire() as CircuitPermit;
    const b = cb.tryAcquire() as CircuitPermit;
    expect(a.probe && b.probe).toBe(true);
    expect(cb.tryAcquire()).toBeUndefined();
    cb.record(a, 'success');
    expect(cb.state).toBe('half-open');
    cb.record(b, 'neutral');
    const c = cb.tryAcquire() as CircuitPermit;
    expect(c.probe).toBe(true);
    cb.record(c, 'success');
    expect(cb.state).toBe('closed');
  });

  it('outcomes of calls from an earlier period are ignored (in flight when it opened)', () => {
    const { cb, clock } = breaker();
    const late = cb.tryAcquire() as CircuitPermit;
    for (let i = 0; i < 3; i++) {
      call(cb, 'failure');
    }
    cb.record(late, 'success'); // started while closed: says nothing now
    expect(cb.state).toBe('open');
    clock.t += 100;
    const probe = cb.tryAcquire() as CircuitPermit;
    cb.record(late, 'failure'); // still ignored while half-open
    expect(cb.state).toBe('half-open');
    cb.record(probe, 'success');
    expect(cb.state).toBe('closed');
    cb.record(probe, 'failure'); // a probe of the ended half-open period
    expect(cb.state).toBe('closed');
  });

  it('a probe still running after maxOpenMs counts as failed (probe-stalled); its late outcome is ignored', () => {
    const { cb, clock, transitions } = breaker();
    for (let i = 0; i < 3; i++) {
      call(cb, 'failure');
    }
    clock.t += 100;
    const stuck = cb.tryAcquire() as CircuitPermit;
    clock.t += 349;
    expect(cb.state).toBe('half-open');
    clock.t += 1;
    expect(cb.state).toBe('open');
    expect(transitions.at(-1)).toMatchObject({ to: 'open', cause: 'probe-stalled', openMs: 200 });
    cb.record(stuck, 'success');
    expect(cb.state).toBe('open');
  });
});
