import { UnrecoverableEventError } from '../errors/unrecoverable-event.error';
import { resolveDeliveryPolicy, DEFAULT_DELIVERY_POLICY } from '../options/delivery-policy';
import { CircuitBreakers, CircuitPass, CircuitWait } from './circuit-breakers';
import type { BoundHandler } from './handler-table';
import { Telemetry } from './telemetry';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

function setUp(random = 0.5) {
  const clock = { t: 1_000_000 };
  const telemetry = new Telemetry(silent);
  const events: string[] = [];
  telemetry.on('circuit-opened', ({ pattern, cause, openMs }) =>
    events.push(`opened ${pattern} ${cause} ${openMs}`),
  );
  telemetry.on('circuit-closed', ({ pattern, openForMs }) => events.push(`closed ${pattern} ${openForMs}`));
  const bound = (circuitBreaker?: object): BoundHandler => ({
    handler: Object.assign(() => Promise.resolve(), {
      isEventHandler: true,
    }),
    policy: resolveDeliveryPolicy(DEFAULT_DELIVERY_POLICY, circuitBreaker ? { circuitBreaker } : {}, 'h'),
    pattern: 'h',
    request: false,
  });
  const a = bound({ consecutiveFailures: 2, openMs: 1000, maxOpenMs: 4000 });
  const plain = bound();
  const circuits = new CircuitBreakers(
    [
      { stream: 's', pattern: 'a.*', bound: a },
      { stream: 's', pattern: 'plain', bound: plain },
    ],
    'g',
    telemetry,
    silent,
    () => clock.t,
    () => random,
  );
  return { clock, telemetry, events, a, plain, circuits };
}

describe('circuit breakers (registry)', () => {
  it('only handlers whose policy has a breaker get one', () => {
    const { circuits, plain } = setUp();
    expect(circuits.admit(plain)).toBeUndefined();
    expect(circuits.statuses()).toEqual([
      { stream: 's', group: 'g', pattern: 'a.*', state: 'closed', openMs: 1000, opened: 0 },
    ]);
  });

  it('transient failures open it; a permanent one does not count; while open a delivery waits until the probe time plus jitter', () => {
    const { circuits, a, clock, events, telemetry } = setUp(0.5);
    (circuits.admit(a) as CircuitPass).failed(new Error('down'));
    (circuits.admit(a) as CircuitPass).failed(new UnrecoverableEventError('bad payload'));
    expect(circuits.statuses()[0].state).toBe('closed');
    const pass = circuits.admit(a) as CircuitPass;
    expect(pass.state).toBe('closed');
    pass.failed(new Error('down'));
    expect(events).toEqual(['opened a.* consecutive-failures 1000']);
    expect(telemetry.snapshot().circuitsOpened).toBe(1);
    clock.t += 400;
    // 600 ms left of the open time, plus half of the 10 % jitter (100 ms) the random picks.
    expect(circuits.admit(a)).toEqual({
      admitted: false,
      delayMs: 650,
      circuit: 'a.*',
    } satisfies CircuitWait);
    expect(circuits.statuses()[0]).toEqual({
      stream: 's',
      group: 'g',
      pattern: 'a.*',
      state: 'open',
      openMs: 1000,
      opened: 1,
      retryAt: new Date(1_001_000).toISOString(),
    });
  });

  it('half-open: one probe, others wait one openMs; the probe succeeding closes it (told once)', () => {
    const { circuits, a, clock, events } = setUp(0);
    (circuits.admit(a) as CircuitPass).failed(new Error('down'));
    (circuits.admit(a) as CircuitPass).failed(new Error('down'));
    clock.t += 1000;
    const probe = circuits.admit(a) as CircuitPass;
    expect(probe.admitted).toBe(true);
    expect(probe.state).toBe('half-open');
    expect(circuits.statuses()[0].state).toBe('half-open');
    expect(circuits.admit(a)).toMatchObject({ admitted: false, delayMs: 1000 });
    clock.t += 5;
    probe.succeeded();
    expect(events).toEqual(['opened a.* consecutive-failures 1000', 'closed a.* 1005']);
    expect((circuits.admit(a) as CircuitPass).state).toBe('closed');
  });
});
