import { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { describeError, redisErrorCode } from '../errors/describe-error';
import { deliveryCounts } from '../redis/delivery-counts';
import { RawEntry, StreamBatch, parseReadReply } from '../redis/stream-replies';
import { InFlight } from './in-flight';

/** How long a read waits, once a slot is free, for more slots to free up (so it can ask for more entries at once). */
const GATHER_MS = 2;

/** What the reader needs from the server around it. */
export interface StreamReaderDeps {
  /** Dedicated connection: XREADGROUP BLOCK holds it. */
  blocking: Redis;
  /** Shared command connection (XPENDING, CLIENT UNBLOCK, XGROUP CREATE). */
  commands: Redis;
  streams: readonly string[];
  group: string;
  consumer: string;
  batchSize: number;
  blockMs: number;
  maxReconnectDelayMs: number;
  inFlight: InFlight;
  logger: LoggerService;
  /** True while an entry is being handled or waits for its XACK: a PEL re-read must not start it again. */
  isSettling(stream: string, id: string): boolean;
  /** Entries to handle; `deliveries` is known for PEL re-reads (new entries are on their first delivery). */
  onEntries(stream: string, entries: RawEntry[], deliveries?: Map<string, number>): void;
  /** Before re-reading the PEL: acknowledge what is already done, so it is not re-read. */
  beforePelRead(): Promise<void>;
  /** (Re)creates missing groups (NOGROUP: stream deleted or Redis restarted empty) from id 0. */
  healGroups(): Promise<void>;
  /** Redis answered / stopped answering the read loop. */
  onHealth(connected: boolean): void;
}

/**
 * The read loop. On start and after every reconnect or failed read it first re-reads this consumer's own PEL
 * (id `0` onwards): a lost XREADGROUP reply leaves entries there that `>` never returns. Then it reads new entries
 * with `>`, never asking for more than the free in-flight slots.
 */
export class StreamReader {
  private stopping = false;
  private pelReadNeeded = true;
  private healNeeded = false;
  private failures = 0;
  private clientId: number | undefined;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly onReady = (): void => {
    this.pelReadNeeded = true;
    void this.rememberClientId();
  };

  constructor(private readonly deps: StreamReaderDeps) {}

  /** Starts the loop; resolves when it ends (after {@link stop}). */
  start(): Promise<void> {
    this.deps.blocking.on('ready', this.onReady);
    void this.rememberClientId();
    this.running = this.loop();
    return this.running;
  }

  /** Ends the loop: a blocked XREADGROUP is unblocked (CLIENT UNBLOCK) so no read reply is lost on the way out. */
  async stop(): Promise<void> {
    if (this.stopping) {
      return;
    }
    this.stopping = true;
    this.deps.blocking.off('ready', this.onReady);
    this.deps.inFlight.releaseWaiters();
    this.wake?.();
    await this.unblock();
    // Never hang a shutdown on a read that will not come back (a dead socket): give up after one block period.
    const ended = await Promise.race([
      this.running?.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.deps.blockMs + 1000).unref()),
    ]);
    if (!ended) {
      this.deps.blocking.disconnect();
    }
  }

  private async loop(): Promise<void> {
    const { deps } = this;
    while (!this.stopping) {
      try {
        if (this.healNeeded) {
          await deps.healGroups();
          this.healNeeded = false;
          this.pelReadNeeded = true;
        }
        if (this.pelReadNeeded) {
          await this.readOwnPel();
          this.pelReadNeeded = false;
        }
        await this.roomToRead();
        if (this.stopping) {
          break;
        }
        const batches = await this.read(
          deps.streams,
          deps.streams.map(() => '>'),
          deps.blockMs,
        );
        for (const batch of batches) {
          deps.onEntries(batch.stream, batch.entries);
        }
      } catch (error) {
        if (this.stopping) {
          break;
        }
        await this.failed(error);
      }
    }
  }

  private async readOwnPel(): Promise<void> {
    const { deps } = this;
    await deps.beforePelRead();
    for (const stream of deps.streams) {
      let cursor = '0';
      while (!this.stopping) {
        await this.roomToRead();
        if (this.stopping) {
          return;
        }
        const entries = (await this.read([stream], [cursor]))[0]?.entries ?? [];
        if (entries.length === 0) {
          break;
        }
        cursor = entries[entries.length - 1].id;
        const fresh = entries.filter((entry) => !deps.isSettling(stream, entry.id));
        if (fresh.length > 0) {
          deps.onEntries(
            stream,
            fresh,
            await deliveryCounts(deps.commands, stream, deps.group, deps.consumer, fresh),
          );
        }
      }
    }
  }

  /**
   * Waits for a free slot, then up to {@link GATHER_MS} more for half the slots a read could fill, then lets handlers
   * that are finishing in this turn of the event loop finish: reads come in batches instead of one XREADGROUP per
   * freed slot (issue 5 measured 32 entries per read against 80 for raw ioredis), and a slot freed beside handlers
   * that run for long is still used within milliseconds.
   */
  private async roomToRead(): Promise<void> {
    const { batchSize, inFlight } = this.deps;
    await inFlight.waitForSlots(1);
    const wanted = Math.ceil(Math.min(batchSize, inFlight.limit) / 2);
    if (inFlight.free() < wanted) {
      await inFlight.waitForSlots(wanted, GATHER_MS);
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** One XREADGROUP for at most the free in-flight slots; `blockMs` only for `>` reads. */
  private async read(streams: readonly string[], ids: string[], blockMs?: number): Promise<StreamBatch[]> {
    const { deps } = this;
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    const reply = await deps.blocking.callBuffer(
      'XREADGROUP',
      'GROUP',
      deps.group,
      deps.consumer,
      'COUNT',
      Math.max(1, Math.min(deps.batchSize, deps.inFlight.free())),
      ...block,
      'STREAMS',
      ...streams,
      ...ids,
    );
    this.succeeded();
    return parseReadReply(reply);
  }

  private succeeded(): void {
    if (this.failures > 0) {
      this.deps.logger.log(`reading again after ${this.failures} failed attempt(s)`);
    }
    this.failures = 0;
    this.deps.onHealth(true);
  }

  private async failed(error: unknown): Promise<void> {
    const code = redisErrorCode(error);
    this.pelReadNeeded = true;
    if (code === 'NOGROUP' || code === 'UNBLOCKED') {
      // The stream or group vanished (deleted, or Redis restarted without persistence): recreate from 0.
      this.deps.logger.warn(`group missing on a stream (${code}); recreating it from id 0`);
      this.healNeeded = true;
      if (this.failures++ === 0) {
        return;
      }
    } else {
      this.failures++;
      this.deps.onHealth(false);
      this.deps.logger.warn(`read failed (attempt ${this.failures}): ${describeError(error)}`);
    }
    const delay = Math.min(this.deps.maxReconnectDelayMs, 50 * 2 ** Math.min(this.failures, 12));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private async rememberClientId(): Promise<void> {
    try {
      if (this.deps.blocking.status === 'ready') {
        this.clientId = Number(await this.deps.blocking.client('ID'));
      }
    } catch {
      this.clientId = undefined;
    }
  }

  private async unblock(): Promise<void> {
    const { blocking, commands } = this.deps;
    try {
      if (this.clientId !== undefined && commands.status === 'ready') {
        if (Number(await commands.client('UNBLOCK', this.clientId)) === 1) {
          return;
        }
        // Not blocked right now: the loop sees `stopping` before its next read, unless a read is on the wire.
        const ended = await Promise.race([
          this.running?.then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 250).unref()),
        ]);
        if (ended) {
          return;
        }
      }
    } catch {
      // fall through: closing the connection ends the read too
    }
    blocking.disconnect();
  }
}
