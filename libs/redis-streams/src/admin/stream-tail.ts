import type { RedisOptions } from 'ioredis';
import { RedisConnection, duplicateConnection } from '../redis/redis-connection';
import { redisFromUrl } from '../redis/redis-url';
import { describeError, redisErrorCode } from '../errors/describe-error';
import { InvalidOptionsError, RedisCommandError } from '../errors/redis-streams.error';
import { assertInteger, resolveRedisUrl } from '../options/connection-options';
import { RawEntry, parseReadReply } from '../redis/stream-replies';
import { parseTailPosition } from '../wire/entry-ids';
import { TailedEvent, decodeTailedEntry } from '../wire/lenient-decoder';
import { compileTypeFilter } from '../wire/name-pattern';

/** Entries asked for per XREAD when the options do not say. */
export const DEFAULT_TAIL_COUNT = 100;
/** How long one XREAD blocks when the options do not say (ms): also the longest a stop waits for the read. */
export const DEFAULT_TAIL_BLOCK_MS = 2000;

/** Options of {@link StreamTail}. Give `client` (duplicated) or `url` (+ `redis`), not both. */
export interface StreamTailOptions {
  /** The stream key to follow. */
  stream: string;
  /** `$` (default): only entries written from now on; `0`: everything; an entry id (`ms-seq` or `ms`): after it. */
  from?: string;
  /** Event types to keep: exact names or prefixes ending with `*`. Empty or absent: every type. */
  types?: readonly string[];
  /** A connection to duplicate: XREAD BLOCK holds a connection, so the tail never reads on a shared one. */
  client?: RedisConnection;
  /** Redis URL to connect to when no `client` is given. Default `REDIS_URL`, else the local default. */
  url?: string;
  /** Extra ioredis options for a connection made from `url`. */
  redis?: RedisOptions;
  /** Entries per XREAD, 1 to 1000. Default {@link DEFAULT_TAIL_COUNT}. */
  count?: number;
  /** XREAD BLOCK in ms, 10 to 60000. Default {@link DEFAULT_TAIL_BLOCK_MS}. */
  blockMs?: number;
  /** `CLIENT SETNAME` of the connection. Default `tail:<stream>` (visible in `CLIENT LIST`). */
  connectionName?: string;
  /** Aborting it stops the tail, like {@link StreamTail.stop}. */
  signal?: AbortSignal;
}

/** Counters of one tail. */
export interface StreamTailStats {
  /** Entries read from Redis. */
  read: number;
  /** Entries left out by the `types` filter. */
  filtered: number;
  /** Entries passed on with `malformed` set. */
  malformed: number;
}

// Reply errors that go away by themselves; any other reply error (WRONGTYPE, NOPERM …) ends the tail.
const TRANSIENT_CODES = new Set(['LOADING', 'BUSY', 'TRYAGAIN', 'CLUSTERDOWN', 'MASTERDOWN']);

/**
 * Follows one stream with plain `XREAD` (no consumer group: every tail sees every entry, nothing is acknowledged)
 * on a connection of its own, from `$`, `0` or an entry id. Iterate it once with `for await`; {@link stop}, the
 * `signal`, or leaving the loop closes the connection. A stream that does not exist yet is waited for.
 *
 * Entries are never dropped for being malformed: they come out with `malformed` set (see {@link decodeTailedEntry}).
 * Connection errors are retried (ioredis reconnects); any other Redis error (WRONGTYPE, NOPERM …) ends the
 * iteration with a {@link RedisCommandError}.
 */
export class StreamTail implements AsyncIterable<TailedEvent> {
  /** The stream followed. */
  readonly stream: string;
  /** The normalised start position (`$`, or a full entry id). */
  readonly from: string;
  private readonly matches: (type: string) => boolean;
  private readonly count: number;
  private readonly blockMs: number;
  private readonly connection: RedisConnection;
  private readonly counters: StreamTailStats = { read: 0, filtered: 0, malformed: 0 };
  private cursor: string | undefined;
  private iterated = false;
  private stopping = false;
  private closed: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly onAbort = (): void => void this.stop();

  /** Validates the options (throws {@link InvalidOptionsError}); connects only when iterated. */
  constructor(private readonly options: StreamTailOptions) {
    if (typeof options.stream !== 'string' || options.stream.length === 0) {
      throw new InvalidOptionsError('stream must be a non-empty string');
    }
    if (options.client && (options.url !== undefined || options.redis !== undefined)) {
      throw new InvalidOptionsError('give client or url/redis, not both');
    }
    this.stream = options.stream;
    this.from = parseTailPosition(options.from);
    this.matches = compileTypeFilter(options.types);
    this.count = options.count ?? DEFAULT_TAIL_COUNT;
    this.blockMs = options.blockMs ?? DEFAULT_TAIL_BLOCK_MS;
    assertInteger('count', this.count, 1, 1000);
    assertInteger('blockMs', this.blockMs, 10, 60_000);
    const overrides: RedisOptions = {
      lazyConnect: true,
      // A silent network (no RST) would leave XREAD blocked for ever: no byte within a block period → reconnect.
      socketTimeout: this.blockMs + 5000,
      connectionName: options.connectionName ?? `tail:${this.stream.replace(/[^!-~]/g, '_').slice(0, 120)}`,
    };
    this.connection = options.client
      ? duplicateConnection(options.client, overrides)
      : redisFromUrl(resolveRedisUrl(options.url), { ...options.redis, ...overrides });
    // An error event without a listener would crash the process; reads see and handle the same failures.
    this.connection.on('error', () => undefined);
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.signal?.aborted) {
      void this.stop();
    }
  }

  /** The id of the last entry read (filtered-out ones included), once reading has started. */
  get lastId(): string | undefined {
    return this.cursor;
  }

  /** A copy of the counters. */
  get stats(): StreamTailStats {
    return { ...this.counters };
  }

  /** True once {@link stop} was called or the signal aborted. */
  get stopped(): boolean {
    return this.stopping;
  }

  /** The events, in stream order. A tail can be iterated once. */
  [Symbol.asyncIterator](): AsyncIterator<TailedEvent> {
    if (this.iterated) {
      throw new InvalidOptionsError('a StreamTail can be iterated only once');
    }
    this.iterated = true;
    return this.run();
  }

  /** Stops reading and closes the connection (a blocked XREAD is cut short). Idempotent. */
  stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.closed ??= this.close();
    return this.closed;
  }

  private async *run(): AsyncGenerator<TailedEvent, void, undefined> {
    try {
      let failures = 0;
      while (!this.stopping) {
        let entries: RawEntry[];
        try {
          this.cursor ??= this.from === '$' ? await this.lastEntryId() : this.from;
          entries = await this.read(this.cursor);
          failures = 0;
        } catch (error) {
          if (this.stopping) {
            break;
          }
          const code = redisErrorCode(error);
          if (code !== undefined && !TRANSIENT_CODES.has(code)) {
            throw new RedisCommandError(`tail of ${this.stream} failed: ${describeError(error)}`, code);
          }
          await this.pause(Math.min(this.blockMs, 50 * 2 ** Math.min(++failures, 10)));
          continue;
        }
        for (const entry of entries) {
          this.cursor = entry.id;
          this.counters.read++;
          const event = decodeTailedEntry(this.stream, entry);
          if (!this.matches(event.type)) {
            this.counters.filtered++;
            continue;
          }
          if (event.malformed) {
            this.counters.malformed++;
          }
          yield event;
          if (this.stopping) {
            return;
          }
        }
      }
    } finally {
      await this.stop();
    }
  }

  /** The id `$` stands for now, so nothing written between two reads is missed; `0-0` for a missing stream. */
  private async lastEntryId(): Promise<string> {
    const [last] = await this.connection.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    return last ? last[0] : '0-0';
  }

  private async read(after: string): Promise<RawEntry[]> {
    const reply = await this.connection.callBuffer(
      'XREAD',
      'COUNT',
      this.count,
      'BLOCK',
      this.blockMs,
      'STREAMS',
      this.stream,
      after,
    );
    return parseReadReply(reply)[0]?.entries ?? [];
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async close(): Promise<void> {
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const connection = this.connection;
    if (connection.status === 'end' || connection.status === 'wait') {
      connection.disconnect();
      return;
    }
    // disconnect, not QUIT: QUIT would queue behind a blocked XREAD, which holds no state worth a polite close.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000).unref();
      connection.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
      connection.disconnect();
    });
  }
}
