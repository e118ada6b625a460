import { LoggerService } from '@nestjs/common';
import { classifyFailure } from '../errors/failure';
import { CallOutcome, CircuitBreaker, CircuitPermit, CircuitState } from './circuit-breaker';
import type { BoundHandler } from './handler-table';
import type { CircuitStatus } from './server-types';
import { Telemetry } from './telemetry';

/** Most jitter added to a deferral, as a share of the open time in force (spreads the entries coming back). */
const JITTER_SHARE = 0.1;

/** A handler with a circuit breaker, as the registry is given it. */
export interface CircuitHandler {
  stream: string;
  /** The handler's pattern as declared (`orders.*` for a wildcard handler). */
  pattern: string;
  bound: BoundHandler;
}

/** A delivery the circuit lets through: tell it how the handler ended. */
export class CircuitPass {
  readonly admitted = true;

  constructor(
    private readonly breaker: CircuitBreaker,
    private readonly permit: CircuitPermit,
  ) {}

  /** `half-open` for a probe. */
  get state(): 'closed' | 'half-open' {
    return this.permit.probe ? 'half-open' : 'closed';
  }

  /** The handler finished successfully. */
  succeeded(): void {
    this.breaker.record(this.permit, 'success');
  }

  /**
   * The handler failed with `error`: a transient failure (threw, rejected, timed out) counts against the circuit; a
   * permanent one (validation, UnrecoverableEventError) says nothing about the downstream and does not.
   */
  failed(error: unknown): void {
    const outcome: CallOutcome = classifyFailure(error).permanent ? 'neutral' : 'failure';
    this.breaker.record(this.permit, outcome);
  }
}

/** A delivery the circuit holds back: defer it by `delayMs`. */
export interface CircuitWait {
  readonly admitted: false;
  delayMs: number;
  /** The handler's pattern as declared (labels the `deferred` event). */
  circuit: string;
}

interface Entry {
  stream: string;
  pattern: string;
  breaker: CircuitBreaker;
}

/**
 * The circuit breakers of one server: one per handler whose policy has `circuitBreaker` (per process, per group and
 * handler), made at start. Turns their transitions into telemetry events and log lines, admits or holds back each
 * delivery, and reports their states (health, metrics).
 */
export class CircuitBreakers {
  private readonly byHandler = new Map<BoundHandler, Entry>();

  constructor(
    handlers: readonly CircuitHandler[],
    private readonly group: string,
    telemetry: Telemetry,
    private readonly logger: LoggerService,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    for (const { stream, pattern, bound } of handlers) {
      const settings = bound.policy.circuitBreaker;
      if (!settings) {
        continue;
      }
      const breaker = new CircuitBreaker(settings, {
        now,
        onTransition: (transition) => {
          if (transition.to === 'open') {
            this.logger.warn(
              `${stream} "${pattern}": circuit opened (${transition.cause}); its deliveries wait ${transition.openMs} ms in the retry schedule`,
            );
            telemetry.circuitOpened({
              stream,
              group,
              pattern,
              cause: transition.cause,
              openMs: transition.openMs,
            });
          } else {
            this.logger.log(`${stream} "${pattern}": circuit closed after ${transition.openForMs} ms`);
            telemetry.circuitClosed({ stream, group, pattern, openForMs: transition.openForMs });
          }
        },
      });
      this.byHandler.set(bound, { stream, pattern, breaker });
    }
  }

  /** Lets a delivery to `bound` through, or holds it back; undefined when the handler has no circuit breaker. */
  admit(bound: BoundHandler): CircuitPass | CircuitWait | undefined {
    const entry = this.byHandler.get(bound);
    if (!entry) {
      return undefined;
    }
    const { breaker } = entry;
    const permit = breaker.tryAcquire();
    if (permit) {
      return new CircuitPass(breaker, permit);
    }
    const jitter = Math.round(this.random() * JITTER_SHARE * breaker.openMs);
    return {
      admitted: false,
      delayMs: Math.max(0, breaker.retryAt() - this.now()) + jitter,
      circuit: entry.pattern,
    };
  }

  /** Every circuit of this server and its state now. */
  statuses(): CircuitStatus[] {
    return [...this.byHandler.values()].map(({ stream, pattern, breaker }) => {
      const state: CircuitState = breaker.state;
      const endsAt = breaker.openEndsAt;
      return {
        stream,
        group: this.group,
        pattern,
        state,
        openMs: breaker.openMs,
        opened: breaker.opened,
        ...(endsAt === undefined ? {} : { retryAt: new Date(endsAt).toISOString() }),
      };
    });
  }
}
