import { LoggerService } from '@nestjs/common';
import { RedisConnection, connectionFor } from '../redis/redis-connection';
import { describeError } from '../errors/describe-error';
import { Periodic } from './periodic';

/** A server's health as its watchdog sees it. */
export interface ReadLoopHealth {
  /** The watchdog ticked recently: the process and its event loop are alive (liveness). */
  live: boolean;
  /** Redis answered on the read connection recently (readiness). */
  ready: boolean;
  /** Milliseconds since Redis last answered on the read connection (a read or a probe). */
  lastReplyMsAgo: number;
  /** Milliseconds since the watchdog last ticked. */
  lastTickMsAgo: number;
}

/** How often a watchdog over a read connection with `stallMs` ticks (ms). */
export function watchdogIntervalMs(stallMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(stallMs / 3)));
}

/**
 * Watches the read connection. A blocked XREADGROUP returns at least every `blockMs`; on a silent network (packets
 * dropped, no RST) it never returns and ioredis never notices. When no read is outstanding — every slot is busy with
 * handlers, which is health, not silence — the watchdog probes the connection itself with a PING every `blockMs`.
 * When neither a read nor a probe got an answer for `blockMs + stallMs`, the server is not ready and the connection
 * is cut and reopened (the read loop then walks its PEL, without touching entries it holds).
 */
export class Watchdog {
  private lastReplyAt = Date.now();
  private lastTickAt = Date.now();
  private lastKickAt = 0;
  private probing = false;
  private readonly periodic: Periodic;

  constructor(
    private readonly blocking: RedisConnection,
    /** True while a read is outstanding on the connection (its reply, at least every blockMs, proves it alive). */
    private readonly reading: () => boolean,
    private readonly blockMs: number,
    private readonly stallMs: number,
    private readonly intervalMs: number,
    private readonly logger: LoggerService,
    /** A key the reads name: on a Cluster the probe goes to the node serving it (the one the reads wait on). */
    private readonly probeKey: string = '',
  ) {
    this.periodic = new Periodic(intervalMs, () => this.tick());
  }

  start(): void {
    this.lastReplyAt = Date.now();
    this.lastTickAt = Date.now();
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** Redis answered on the read connection. */
  replied(): void {
    this.lastReplyAt = Date.now();
  }

  health(): ReadLoopHealth {
    const now = Date.now();
    const lastReplyMsAgo = now - this.lastReplyAt;
    const lastTickMsAgo = now - this.lastTickAt;
    return {
      live: lastTickMsAgo < this.intervalMs * 3 + 1000,
      ready: lastReplyMsAgo < this.blockMs + this.stallMs,
      lastReplyMsAgo,
      lastTickMsAgo,
    };
  }

  private tick(): Promise<void> {
    const now = Date.now();
    this.lastTickAt = now;
    const silentFor = now - this.lastReplyAt;
    if (!this.reading() && !this.probing && silentFor >= this.blockMs && this.blocking.status === 'ready') {
      this.probe();
    }
    if (silentFor >= this.blockMs + this.stallMs && now - this.lastKickAt >= this.blockMs + this.stallMs) {
      this.lastKickAt = now;
      this.logger.warn(`no reply from Redis for ${silentFor} ms on the read connection; reconnecting it`);
      this.blocking.disconnect(true);
    }
    return Promise.resolve();
  }

  /** PING on the read connection; its answer counts as a reply. Sent only while no read is outstanding. */
  private probe(): void {
    const target = connectionFor(this.blocking, this.probeKey);
    if (!target) {
      return; // a Cluster between slot maps: no node to ask yet, the silence still counts
    }
    this.probing = true;
    target
      .ping()
      .then(
        () => this.replied(),
        (error: unknown) => {
          this.logger.debug?.(`read connection probe failed: ${describeError(error)}`);
        },
      )
      .finally(() => {
        this.probing = false;
      });
  }
}
