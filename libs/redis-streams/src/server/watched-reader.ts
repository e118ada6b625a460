import { LoggerService } from '@nestjs/common';
import { connectRedis } from '../redis/connect-error';
import { closeRedisConnection } from '../redis/connection-factory';
import { RedisConnection } from '../redis/redis-connection';
import { StreamReader } from './stream-reader';
import { Watchdog, watchdogIntervalMs } from './watchdog';

/** What a {@link WatchedReader} is made of. */
export interface WatchedReaderDeps {
  /** A new (not yet connected) blocking connection. */
  openBlocking(): RedisConnection;
  /** A read loop over `keys` on `blocking`, reporting Redis answering (or not) to `onHealth`. */
  readerOn(
    blocking: RedisConnection,
    keys: readonly string[],
    onHealth: (connected: boolean) => void,
  ): StreamReader;
  blockMs: number;
  stallMs: number;
  logger: LoggerService;
}

/**
 * A read loop on a blocking connection of its own, watched like the server's main one (a silent socket must not stall
 * its keys unseen): an ordered stream's reader, or on a Cluster the reader of each slot after the first.
 */
export class WatchedReader {
  private constructor(
    private readonly blocking: RedisConnection,
    private readonly reader: StreamReader,
    private readonly watchdog: Watchdog,
  ) {}

  /**
   * Opens the connection (connected here when `connectFirst`, else by its first read: a node that does not answer yet
   * is then retried by the read loop) and starts the loop and its watchdog.
   */
  static async start(
    deps: WatchedReaderDeps,
    keys: readonly string[],
    connectFirst: boolean,
  ): Promise<WatchedReader> {
    const blocking = deps.openBlocking();
    if (connectFirst) {
      await connectRedis(blocking);
    }
    const watchdog = new Watchdog(
      blocking,
      () => reader.reading,
      deps.blockMs,
      deps.stallMs,
      watchdogIntervalMs(deps.stallMs),
      deps.logger,
      keys[0],
    );
    const reader = deps.readerOn(blocking, keys, (connected) => {
      if (connected) {
        watchdog.replied();
      }
    });
    watchdog.start();
    void reader.start();
    return new WatchedReader(blocking, reader, watchdog);
  }

  /** Redis answered on this reader's connection within `blockMs + stallMs`. */
  get ready(): boolean {
    return this.watchdog.health().ready;
  }

  /** Stops the watchdog and the loop, then closes the connection. */
  async stop(): Promise<void> {
    await this.watchdog.stop();
    await this.reader.stop();
    await closeRedisConnection(this.blocking);
  }
}
