import { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Periodic } from './periodic';

/** A server's health as its watchdog sees it. */
export interface ReadLoopHealth {
  /** The watchdog ticked recently: the process and its event loop are alive (liveness). */
  live: boolean;
  /** Redis answered the read loop recently (readiness). */
  ready: boolean;
  /** Milliseconds since Redis last answered the read loop. */
  lastReplyMsAgo: number;
  /** Milliseconds since the watchdog last ticked. */
  lastTickMsAgo: number;
}

/**
 * Watches the read loop. A blocked XREADGROUP returns at least every `blockMs`; on a silent network (packets
 * dropped, no RST) it never returns and ioredis never notices. When no reply came for `blockMs + stallMs`, the
 * server is not ready and the blocking connection is cut and reopened (the loop then re-reads its PEL).
 */
export class Watchdog {
  private lastReplyAt = Date.now();
  private lastTickAt = Date.now();
  private lastKickAt = 0;
  private readonly periodic: Periodic;

  constructor(
    private readonly blocking: Redis,
    private readonly blockMs: number,
    private readonly stallMs: number,
    private readonly intervalMs: number,
    private readonly logger: LoggerService,
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

  /** The read loop got a reply from Redis. */
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
    if (silentFor >= this.blockMs + this.stallMs && now - this.lastKickAt >= this.blockMs + this.stallMs) {
      this.lastKickAt = now;
      this.logger.warn(`no reply from Redis for ${silentFor} ms on the read connection; reconnecting it`);
      this.blocking.disconnect(true);
    }
    return Promise.resolve();
  }
}
