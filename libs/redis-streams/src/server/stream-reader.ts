import { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisConnection, connectionFor, isCluster } from '../redis/redis-connection';
import { describeError, redisErrorCode } from '../errors/describe-error';
import { StreamBatch, parseReadReply } from '../redis/stream-replies';
import { Mutex } from './mutex';
import { PelWalkDeps, walkOwnPel } from './pel-walk';

/** How long a read waits, once a slot is free, for more slots to free up (so it can ask for more entries at once). */
const GATHER_MS = 2;

/** While some keys have a backlog, how often the others are read too (ms). */
const OTHERS_EVERY_MS = 100;

/** What the reader needs from the server around it (besides what its PEL walk needs). */
export interface StreamReaderDeps extends PelWalkDeps {
  /** Dedicated connection: XREADGROUP BLOCK holds it. */
  blocking: RedisConnection;
  streams: readonly string[];
  blockMs: number;
  maxReconnectDelayMs: number;
  logger: LoggerService;
  /** Held while walking the PEL, so the reclaimer never claims the same entries at the same time. */
  pelLock: Mutex;
  /** Before re-reading the PEL: acknowledge what is already done, so it is not re-read. */
  beforePelRead(): Promise<void>;
  /** (Re)creates missing groups (NOGROUP: stream deleted or Redis restarted empty) from id 0. */
  healGroups(): Promise<void>;
  /** Redis answered / stopped answering the read loop. */
  onHealth(connected: boolean): void;
}

/**
 * The read loop. On start and after every reconnect or failed read it first walks this consumer's own PEL: a lost
 * XREADGROUP reply leaves entries there that `>` never returns. The walk lists the PEL (XPENDING) and re-claims only
 * entries this process does not hold or acknowledge (claim-own-pending), so an entry running here is never touched
 * and every delivery count is read, not guessed. Then it reads new entries with `>`: COUNT applies per key, so it
 * asks each key for its share of the free slots (at least one), and one read takes at most
 * `max(free slots, keys read)` entries.
 */
export class StreamReader {
  private stopping = false;
  private pelReadNeeded = true;
  private healNeeded = false;
  private failures = 0;
  private clientId: number | undefined;
  /** On a Cluster: the node connection {@link clientId} belongs to (the one the reads go through). */
  private idNode: Redis | undefined;
  private running: Promise<void> | undefined;
  private readsOutstanding = 0;
  /** Keys whose last read returned all it asked for. */
  private readonly backlogged = new Set<string>();
  /** When the keys without a backlog were last read. */
  private othersReadAt = 0;
  private wake: (() => void) | undefined;
  private readonly onReady = (): void => {
    this.pelReadNeeded = true;
    void this.rememberClientId();
  };

  constructor(private readonly deps: StreamReaderDeps) {}

  /** True while a read is on the blocking connection (the watchdog then waits for its reply instead of probing). */
  get reading(): boolean {
    return this.readsOutstanding > 0;
  }

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
        const batches = await this.readNew();
        if (batches.length > 0 && (await deps.mayTake())) {
          for (const batch of batches) {
            deps.onEntries(batch.stream, batch.entries);
          }
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
    await deps.pelLock.run(async () => {
      for (const stream of deps.streams) {
        await walkOwnPel(deps, stream, async () => {
          await this.roomToRead();
          return !this.stopping;
        });
      }
    });
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

  /**
   * Reads new entries (`>`) for at most the free slots (and `batchSize`) in all — COUNT applies per key, so each key
   * is asked for its share. While some key has a backlog (its last read filled what was asked), non-blocking reads go
   * to the backlogged keys only (one XREADGROUP each, sharing the free slots), and every {@link OTHERS_EVERY_MS} also
   * one XREADGROUP asking each other key for one entry, so a due retry is never starved by a backlog. Otherwise, or
   * when those find nothing, one blocking XREADGROUP over every key asks each for an equal share. With fewer free
   * slots than keys each key is asked for one: a read then takes at most one entry per key.
   */
  private async readNew(): Promise<StreamBatch[]> {
    const { deps } = this;
    const keys = deps.streams;
    const free = Math.min(deps.batchSize, deps.inFlight.free());
    if (this.backlogged.size > 0 && free >= keys.length) {
      const others = keys.filter((key) => !this.backlogged.has(key));
      const withOthers = others.length > 0 && Date.now() - this.othersReadAt >= OTHERS_EVERY_MS;
      const share = Math.floor((free - (withOthers ? others.length : 0)) / this.backlogged.size);
      const asked = new Map<string, number>();
      const reads = [...this.backlogged].map((key) => {
        asked.set(key, share);
        return this.read([key], share);
      });
      if (withOthers) {
        this.othersReadAt = Date.now();
        others.forEach((key) => asked.set(key, 1));
        reads.push(this.read(others, 1));
      }
      const batches = (await Promise.all(reads)).flat();
      this.noteBacklogs(asked, batches);
      if (batches.length > 0) {
        return batches;
      }
    }
    const share = Math.max(1, Math.floor(free / keys.length));
    this.othersReadAt = Date.now();
    const batches = await this.read(keys, share, deps.blockMs);
    this.noteBacklogs(new Map(keys.map((key) => [key, share])), batches);
    return batches;
  }

  /** Remembers which keys filled what they were asked for: they likely hold more. */
  private noteBacklogs(asked: ReadonlyMap<string, number>, batches: StreamBatch[]): void {
    this.backlogged.clear();
    for (const batch of batches) {
      if (batch.entries.length >= (asked.get(batch.stream) ?? Infinity)) {
        this.backlogged.add(batch.stream);
      }
    }
  }

  /** One XREADGROUP `>` on the blocking connection (blocking only when `blockMs` is given). */
  private async read(keys: readonly string[], count: number, blockMs?: number): Promise<StreamBatch[]> {
    const { deps } = this;
    if (blockMs !== undefined && isCluster(deps.blocking)) {
      await this.rememberNodeClientId();
    }
    this.readsOutstanding++;
    let reply: unknown;
    try {
      reply = await deps.blocking.callBuffer(
        'XREADGROUP',
        'GROUP',
        deps.group,
        deps.consumer,
        'COUNT',
        count,
        ...(blockMs === undefined ? [] : ['BLOCK', blockMs]),
        'STREAMS',
        ...keys,
        ...keys.map(() => '>'),
      );
    } finally {
      this.readsOutstanding--;
    }
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
    const { blocking } = this.deps;
    if (isCluster(blocking)) {
      return this.rememberNodeClientId();
    }
    try {
      if (blocking.status === 'ready') {
        this.clientId = Number(await blocking.client('ID'));
      }
    } catch {
      this.clientId = undefined;
    }
  }

  /**
   * On a Cluster the reads go through the connection to the node serving the keys' slot, which changes when the slot
   * moves: the id is asked again whenever that connection is another one, or reconnected.
   */
  private async rememberNodeClientId(): Promise<void> {
    const node = connectionFor(this.deps.blocking, this.deps.streams[0]);
    if (node === this.idNode) {
      return;
    }
    this.idNode = node;
    this.clientId = undefined;
    if (!node) {
      return;
    }
    node.once('ready', () => {
      if (this.idNode === node) {
        this.idNode = undefined;
      }
    });
    try {
      this.clientId = Number(await node.client('ID'));
    } catch {
      this.idNode = undefined;
    }
  }

  private async unblock(): Promise<void> {
    const { blocking, commands } = this.deps;
    try {
      // On a Cluster, UNBLOCK must reach the node the read waits on: the commands connection's link to that node.
      const unblocker = connectionFor(commands, this.deps.streams[0]);
      if (this.clientId !== undefined && unblocker?.status === 'ready') {
        if (Number(await unblocker.client('UNBLOCK', this.clientId)) === 1) {
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
