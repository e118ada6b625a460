import { Controller, Type } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import {
  CircuitOpenedEvent,
  ClientRedisStreams,
  DeliveryPolicyOptions,
  RedisStreamsContext,
  RedisStreamsHealthIndicator,
  StreamKeys,
  StreamRoute,
  UnrecoverableEventError,
  deliveryPolicy,
} from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import { uniqueName } from '../support/names';
import { startConsumer } from '../support/nest';
import { parseExposition, valueOf } from '../support/prometheus';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

/** What handler A saw: its calls per event, and each successful call's delivery count and circuit state. */
interface Downstream {
  up: boolean;
  /** Calls of handler A, per event number. */
  calls: Map<number, number>;
  /** Successful calls of handler A: event → [delivery count, circuit state]. */
  handled: Map<number, [number, string | undefined]>;
  /** Events handler B handled (a handler on the same stream, without a breaker). */
  handledByB: number[];
}

function downstream(): Downstream {
  return { up: false, calls: new Map(), handled: new Map(), handledByB: [] };
}

const callsOf = (d: Downstream): number => [...d.calls.values()].reduce((sum, n) => sum + n, 0);

/** Two handlers on one shared stream: A calls the (flippable) downstream under `policyA`, B always works. */
function twoHandlers(d: Downstream, policyA: DeliveryPolicyOptions): Type {
  @Controller()
  class TwoHandlers {
    @EventPattern('a.job', deliveryPolicy(policyA))
    onA(@Payload() data: { n: number }, @Ctx() ctx: RedisStreamsContext): void {
      d.calls.set(data.n, (d.calls.get(data.n) ?? 0) + 1);
      if (!d.up) {
        throw new Error('downstream unavailable');
      }
      d.handled.set(data.n, [ctx.getDeliveryCount(), ctx.getCircuitState()]);
    }

    @EventPattern('b.job')
    onB(@Payload() data: { n: number }): void {
      d.handledByB.push(data.n);
    }
  }
  return TwoHandlers;
}

describe('circuit breaker per handler (real Redis)', () => {
  const { redis, consumers, track } = useStreamFixture();
  const clients: ClientRedisStreams[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  async function setUp(policyA: DeliveryPolicyOptions, d: Downstream) {
    const stream = uniqueName('breaker');
    track(stream, ['g']);
    const routes: StreamRoute[] = [{ stream, patterns: ['a.job', 'b.job'] }];
    const client = new ClientRedisStreams({ routes });
    clients.push(client);
    const consumer = await startConsumer([twoHandlers(d, policyA)], {
      group: 'g',
      routes,
      retryPollMs: 10,
      // One handler at a time: the delivery order, and so the call counts, are exact.
      concurrency: 1,
    });
    consumers.push(consumer);
    const emitBoth = async (count: number): Promise<void> => {
      for (let n = 0; n < count; n++) {
        await lastValueFrom(client.emit('a.job', { n }));
        await lastValueFrom(client.emit('b.job', { n }));
      }
    };
    return { stream, consumer, emitBoth };
  }

  const A_POLICY = { maxDeliveries: 3, backoff: { type: 'fixed', baseMs: 50, jitter: 'none' } } as const;

  it('downstream of A down: after 3 failures A is not called, its events wait (deferred, not dead-lettered) while B flows; back up: a probe closes the circuit and every A event is handled, 0 dead letters', async () => {
    const d = downstream();
    const { stream, consumer, emitBoth } = await setUp(
      {
        ...A_POLICY,
        // Retries due after the ten pairs are written, however slow the machine: the three failures are A0, A1, A2.
        backoff: { type: 'fixed', baseMs: 1000, jitter: 'none' },
        circuitBreaker: { consecutiveFailures: 3, openMs: 3000 },
      },
      d,
    );
    const { server } = consumer;
    const registry = new Registry();
    new RedisStreamsMetrics({ registry }).observeServer(server);
    const opened: CircuitOpenedEvent[] = [];
    const closed: number[] = [];
    server.on('circuit-opened', (event) => opened.push(event));
    server.on('circuit-closed', ({ openForMs }) => closed.push(openForMs));

    await emitBoth(10);
    // B's ten events are handled meanwhile; A's ten are all deferred (its 3 failed ones on their retry).
    await waitFor(
      () => d.handledByB.length === 10 && server.getStats().deferred >= 10,
      'B handled, A deferred',
      5000,
    );
    expect(opened).toEqual([
      { stream, group: 'g', pattern: 'a.job', cause: 'consecutive-failures', openMs: 3000 },
    ]);
    expect(callsOf(d)).toBe(3); // the threshold, and not one call more while open
    expect([...d.calls.keys()].sort()).toEqual([0, 1, 2]);
    expect(server.getStats()).toMatchObject({ failed: 3, retried: 3, deadLettered: 0, circuitsOpened: 1 });
    // Pending in the group's retry schedule (not acknowledged, not dead-lettered): one member per A event.
    expect(await redis.zcard(StreamKeys.retrySchedule(stream, 'g'))).toBe(10);
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
    // Reported, not a failure: health stays ready, lists the open circuit; the gauge says 1 (open).
    const health = server.health();
    expect(health.ready).toBe(true);
    expect(health.openCircuits).toEqual([
      expect.objectContaining({
        stream,
        group: 'g',
        pattern: 'a.job',
        state: 'open',
        openMs: 3000,
        opened: 1,
      }),
    ]);
    const indicator = await new RedisStreamsHealthIndicator([server]).isReady('streams');
    expect(indicator.streams.status).toBe('up');
    expect(indicator.streams.servers).toEqual([
      expect.objectContaining({
        ready: true,
        openCircuits: [{ stream, pattern: 'a.job', state: 'open', retryAt: expect.any(String) as string }],
      }),
    ]);
    const open = parseExposition(await registry.metrics());
    const labels = { stream, group: 'g', pattern: 'a.job' };
    expect(valueOf(open, 'redis_streams_circuit_state', labels)).toBe(1);
    expect(valueOf(open, 'redis_streams_circuit_opened_total', labels)).toBe(1);
    expect(valueOf(open, 'redis_streams_circuit_deferred_total', labels)).toBeGreaterThanOrEqual(10);

    d.up = true;
    await waitFor(() => d.handled.size === 10, 'every A event handled once the downstream is back', 15_000);
    expect(closed).toHaveLength(1);
    expect(opened).toHaveLength(1);
    // Exactly one probe (half-open), then closed; a deferral never counted a delivery: each event's delivery count
    // when handled is the number of times A was called for it (2 for the three that failed once, else 1).
    const states = [...d.handled.values()].map(([, state]) => state);
    expect(states.filter((state) => state === 'half-open')).toHaveLength(1);
    expect(states.filter((state) => state === 'closed')).toHaveLength(9);
    for (const [n, [deliveryCount]] of d.handled) {
      expect(deliveryCount).toBe(d.calls.get(n));
      expect(deliveryCount).toBe(n < 3 ? 2 : 1);
    }
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    await waitFor(
      async () => ((await redis.xpending(StreamKeys.retryLane(stream, 'g'), 'g')) as [number])[0] === 0,
      'nothing pending in the lane',
    );
    expect(await redis.zcard(StreamKeys.retrySchedule(stream, 'g'))).toBe(0);
    expect(server.health().openCircuits).toEqual([]);
    const after = parseExposition(await registry.metrics());
    expect(valueOf(after, 'redis_streams_circuit_state', labels)).toBe(0);
    expect(d.handledByB).toHaveLength(10);
  });

  it('negative control: the same outage without a breaker burns every A event into the dead-letter stream', async () => {
    const d = downstream();
    const { stream, consumer, emitBoth } = await setUp(A_POLICY, d);
    await emitBoth(10);
    const dlq = StreamKeys.deadLetter(stream);
    await waitFor(async () => (await redis.xlen(dlq)) === 10, 'all ten A events dead-lettered', 10_000);
    await waitFor(() => d.handledByB.length === 10, 'B handled');
    const reasons = (await redis.xrange(dlq, '-', '+')).map(([, raw]) => raw[raw.indexOf('dlq_reason') + 1]);
    expect(reasons).toEqual(Array<string>(10).fill('max-deliveries'));
    expect(callsOf(d)).toBe(30); // every event used its three deliveries
    expect(consumer.server.getStats()).toMatchObject({ deferred: 0, circuitsOpened: 0, deadLettered: 10 });
    d.up = true; // too late: nothing left to handle
    expect(d.handled.size).toBe(0);
  });

  it('a failed probe reopens the circuit for twice as long, up to maxOpenMs; each half-open period lets one probe through', async () => {
    const d = downstream();
    const { stream, consumer, emitBoth } = await setUp(
      {
        maxDeliveries: 50,
        backoff: { type: 'fixed', baseMs: 20, jitter: 'none' },
        circuitBreaker: { consecutiveFailures: 2, openMs: 200, maxOpenMs: 800 },
      },
      d,
    );
    const { server } = consumer;
    const opens: Array<{ at: number; cause: string; openMs: number; calls: number }> = [];
    server.on('circuit-opened', ({ cause, openMs }) =>
      opens.push({ at: Date.now(), cause, openMs, calls: callsOf(d) }),
    );
    await emitBoth(5);
    await waitFor(() => opens.length === 5, 'the circuit opened five times', 15_000);
    expect(opens.map(({ cause, openMs }) => [cause, openMs])).toEqual([
      ['consecutive-failures', 200],
      ['probe-failed', 400],
      ['probe-failed', 800],
      ['probe-failed', 800],
      ['probe-failed', 800],
    ]);
    // One call per half-open period (the probe), none while open.
    expect(opens.map(({ calls }) => calls)).toEqual([2, 3, 4, 5, 6]);
    // Each reopening came no sooner than the open time before it.
    opens.slice(1).forEach((open, i) => {
      expect(open.at - opens[i].at).toBeGreaterThanOrEqual(opens[i].openMs - 15);
    });
    expect(server.getStats().circuitsOpened).toBe(5);
    d.up = true;
    await waitFor(() => d.handled.size === 5, 'every A event handled after the outage', 15_000);
    for (const [n, [deliveryCount]] of d.handled) {
      expect(deliveryCount).toBe(d.calls.get(n));
    }
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
    expect(d.handledByB).toHaveLength(5);
  });

  it('permanent failures (UnrecoverableEventError) do not trip the circuit: they are dead-lettered at once, the circuit stays closed', async () => {
    const stream = uniqueName('breaker-permanent');
    track(stream, ['g']);
    let calls = 0;
    @Controller()
    class Refuses {
      @EventPattern(stream, deliveryPolicy({ circuitBreaker: { consecutiveFailures: 2 } }))
      on(@Payload() data: { n: number }, @Ctx() ctx: RedisStreamsContext): void {
        calls++;
        if (data.n < 5) {
          throw new UnrecoverableEventError(`bad ${data.n}`);
        }
        expect(ctx.getCircuitState()).toBe('closed');
      }
    }
    const consumer = await startConsumer([Refuses], { group: 'g', concurrency: 1 });
    consumers.push(consumer);
    const client = new ClientRedisStreams();
    clients.push(client);
    for (let n = 0; n < 6; n++) {
      await lastValueFrom(client.emit(stream, { n }));
    }
    await waitFor(() => consumer.server.getStats().handled === 1, 'the good event handled');
    expect(calls).toBe(6);
    expect(consumer.server.getStats()).toMatchObject({ deadLettered: 5, circuitsOpened: 0, deferred: 0 });
    expect(consumer.server.getCircuits()).toEqual([
      expect.objectContaining({ stream, pattern: stream, state: 'closed', opened: 0 }),
    ]);
  });
});
