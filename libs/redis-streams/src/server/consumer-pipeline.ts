import { StreamKeys } from '../wire/stream-keys';
import { LoggerService } from '@nestjs/common';
import { RedisConnection, groupBySlot, isCluster } from '../redis/redis-connection';
import { RedisScripts } from '../lua/scripts';
import { ResolvedServerOptions } from '../options/server-options';
import { AckBatcher } from './ack-batcher';
import { CircuitBreakers } from './circuit-breakers';
import { ConsumerLease } from './consumer-lease';
import { EntryDispatcher, HandlerRunner } from './entry-dispatcher';
import { ensureGroups } from './group-manager';
import { handOver } from './handover';
import { HandlerTable } from './handler-table';
import { IdempotentDeliveries } from './idempotent-deliveries';
import { InFlight } from './in-flight';
import { sweepIdleConsumers } from './idle-consumers';
import { LeaseKeeper } from './lease-keeper';
import { Mutex } from './mutex';
import { Outcomes } from './outcomes';
import { Periodic } from './periodic';
import { Reclaimer } from './reclaimer';
import { OrderedStreamOwner } from './ordered-stream-owner';
import { WatchedReader } from './watched-reader';
import { knownRetries } from './known-retries';
import { Replier } from './replier';
import { RetryPromoter } from './retry-promoter';
import { StreamReader } from './stream-reader';
import { Telemetry } from './telemetry';

/** What the pipeline needs from the server. */
export interface ConsumerPipelineDeps {
  commands: RedisConnection;
  blocking: RedisConnection;
  table: HandlerTable;
  options: ResolvedServerOptions;
  inFlight: InFlight;
  telemetry: Telemetry;
  logger: LoggerService;
  /** The consumer name's lease: nothing is taken or settled without it. */
  lease: ConsumerLease;
  runHandler: HandlerRunner;
  /** The handlers' circuit breakers. */
  circuits: CircuitBreakers;
  onHealth(connected: boolean): void;
  /**
   * A new (not yet connected) blocking connection: each ordered stream's reader gets its own, and on a Cluster each
   * slot's reader after the first.
   */
  openBlocking(): RedisConnection;
}

/**
 * Everything that moves entries for one server, wired together: the read loop, the dispatcher and its outcomes
 * (batched acks, retries, dead letters), the retry promoter, the reclaimer and the lease keeper — and their orderly
 * stop.
 */
export class ConsumerPipeline {
  private readonly acks: AckBatcher;
  private readonly dispatcher: EntryDispatcher;
  /**
   * Reads every stream without an `orderingKey` (undefined when there is none) — on a Cluster, those of the first
   * slot: one XREADGROUP names keys of one slot only (CROSSSLOT otherwise, even on one node).
   */
  private readonly reader: StreamReader | undefined;
  /** On a Cluster: the keys of each other slot, each read on a connection and watchdog of its own. */
  private readonly otherSlots: ReadonlyArray<readonly string[]>;
  private readonly mainKeys: readonly string[];
  private readonly startWatchedReader: (
    keys: readonly string[],
    connectFirst: boolean,
  ) => Promise<WatchedReader>;
  private otherReaders: Array<Promise<WatchedReader>> = [];
  /** The readers on connections of their own (other slots, ordered streams), while they run. */
  private readonly watched = new Set<WatchedReader>();
  /** One per stream with an `orderingKey`: reads it while this consumer holds its ordering lease. */
  private readonly owners: OrderedStreamOwner[];
  private readonly promoter: RetryPromoter;
  private readonly reclaimer: Reclaimer;
  private readonly leaseKeeper: LeaseKeeper;
  private readonly sweeper: Periodic;

  constructor(private readonly deps: ConsumerPipelineDeps) {
    const { commands, table, options, telemetry, logger, inFlight, lease } = deps;
    const scripts = new RedisScripts(commands);
    const pelLock = new Mutex();
    const mayWrite = (): boolean | Promise<boolean> => lease.mayWrite();
    const acks = new AckBatcher(
      commands,
      options.group,
      logger,
      (_key, sent, acked) => telemetry.acked(sent, acked),
      options.maxReconnectDelayMs,
      (key) => table.readKey(key).lane,
      mayWrite,
    );
    this.acks = acks;
    const deadLetterStreamOf = (stream: string): string =>
      StreamKeys.deadLetter(stream, table.route(stream).deadLetterStream);
    const outcomes = new Outcomes({
      scripts,
      acks,
      deadLetterStreamOf,
      group: options.group,
      consumer: options.consumer,
      maxFieldBytes: options.maxPayloadBytes,
      maxFields: options.maxFields,
      maxEntryBytes: options.maxEntryBytes,
      mayWrite,
      telemetry,
      logger,
    });
    const dispatcher = new EntryDispatcher({
      isAcking: (key, id) => acks.has(key, id),
      group: options.group,
      consumer: options.consumer,
      limits: options,
      table,
      outcomes,
      idempotency: new IdempotentDeliveries({
        commands,
        scripts,
        outcomes,
        group: options.group,
        telemetry,
        logger,
      }),
      inFlight,
      telemetry,
      logger,
      circuits: deps.circuits,
      runHandler: deps.runHandler,
      parkSlackMs: Math.max(60_000, 3 * options.minIdleMs),
      fetchEntry: async (readKey, id) => {
        const [row] = await commands.xrangeBuffer(readKey, id, id);
        return row ? { id, fields: row[1] } : undefined;
      },
      replier: new Replier({
        connection: commands,
        limits: options,
        errorStack: options.replyErrorStack,
        telemetry,
        logger,
      }),
    });
    this.dispatcher = dispatcher;
    const readKeys = table.readKeys();
    const ordered = table.streams().filter((stream) => table.route(stream).orderingKey !== undefined);
    const orderedKeys = new Set(
      ordered.flatMap((stream) => [stream, StreamKeys.retryLane(stream, options.group)]),
    );
    const sharedKeys = readKeys.filter((key) => !orderedKeys.has(key));
    const isSettling = (key: string, id: string): boolean => inFlight.has(key, id) || acks.has(key, id);
    const readerOn = (
      blocking: RedisConnection,
      streams: readonly string[],
      onHealth: (connected: boolean) => void,
    ): StreamReader =>
      new StreamReader({
        blocking,
        commands,
        scripts,
        pelLock,
        mayTake: mayWrite,
        streams,
        group: options.group,
        consumer: options.consumer,
        batchSize: options.batchSize,
        blockMs: options.blockMs,
        maxReconnectDelayMs: options.maxReconnectDelayMs,
        inFlight,
        logger,
        isSettling,
        onEntries: (key, entries) => dispatcher.dispatch(key, entries),
        onDeleted: (key, ids) => {
          telemetry.deletedWhilePending(ids.length);
          logger.warn(
            `${key}: ${ids.length} pending entr${ids.length === 1 ? 'y was' : 'ies were'} deleted from the stream`,
          );
        },
        beforePelRead: () => acks.flush(),
        healGroups: () => ensureGroups(commands, readKeys, options.group, '0'),
        onHealth,
      });
    const slots =
      sharedKeys.length === 0 ? [] : isCluster(deps.blocking) ? groupBySlot(sharedKeys) : [sharedKeys];
    this.reader =
      slots.length > 0
        ? readerOn(deps.blocking, slots[0], (connected) => deps.onHealth(connected))
        : undefined;
    this.mainKeys = slots[0] ?? [];
    this.otherSlots = slots.slice(1);
    this.startWatchedReader = async (keys, connectFirst) => {
      const watched = await WatchedReader.start(
        {
          openBlocking: () => deps.openBlocking(),
          readerOn,
          blockMs: options.blockMs,
          stallMs: options.stallMs,
          logger,
        },
        keys,
        connectFirst,
      );
      this.watched.add(watched);
      return watched;
    };
    const reclaimerOf = (keys: readonly string[]): Reclaimer =>
      new Reclaimer({
        scripts,
        pelLock,
        mayTake: mayWrite,
        readKeys: keys,
        group: options.group,
        consumer: options.consumer,
        minIdleMs: options.minIdleMs,
        intervalMs: options.reclaimIntervalMs,
        batchSize: options.batchSize,
        inFlight,
        logger,
        isSettling,
        onEntries: (key, entries) => dispatcher.dispatch(key, entries),
        onReclaimed: (taken, deleted) => {
          telemetry.reclaimed(taken);
          telemetry.deletedWhilePending(deleted);
        },
      });
    this.owners = ordered.map((stream) => {
      const keys = [stream, StreamKeys.retryLane(stream, options.group)];
      const takeover = reclaimerOf(keys);
      return new OrderedStreamOwner({
        stream,
        readKeys: keys,
        leaseKey: StreamKeys.orderingLease(stream, options.group),
        group: options.group,
        consumer: options.consumer,
        leaseMs: options.consumerLeaseMs,
        minIdleMs: options.minIdleMs,
        commands,
        scripts,
        logger,
        hold: () => dispatcher.hold(stream),
        release: async () => {
          // Throws (and keeps holding) when the retries cannot be read: nothing runs before its key is parked.
          const retries = await knownRetries(commands, stream, options.group, table.route(stream), options);
          for (const retry of retries) {
            dispatcher.park(stream, retry.key, retry.originalId, retry.dueMs);
          }
          await dispatcher.releaseHeld(stream);
        },
        reclaim: () => takeover.run(),
        startReading: async () => {
          const watched = await this.startWatchedReader(keys, true);
          return () => this.stopWatchedReader(watched);
        },
        letGo: () => dispatcher.letGo(stream),
      });
    });
    this.promoter = new RetryPromoter(
      scripts,
      table.streams(),
      options.group,
      options.consumer,
      options.retryPollMs,
      logger,
      deadLetterStreamOf,
    );
    this.reclaimer = reclaimerOf(sharedKeys);
    this.leaseKeeper = new LeaseKeeper(
      scripts,
      inFlight,
      acks,
      options.group,
      options.consumer,
      Math.max(10, Math.floor(options.minIdleMs / 3)),
      logger,
      {
        onLost: (count) => telemetry.leasesLost(count),
        onDeleted: (count) => telemetry.deletedWhilePending(count),
      },
    );
    const sweepEveryMs = Math.min(60_000, Math.max(50, Math.floor(options.deleteIdleConsumersAfterMs / 2)));
    this.sweeper = new Periodic(sweepEveryMs, async () => {
      const removed = await sweepIdleConsumers(
        commands,
        readKeys,
        options.group,
        options.consumer,
        options.deleteIdleConsumersAfterMs,
        logger,
      );
      if (removed.length > 0) {
        logger.log(`removed idle consumers with nothing pending: ${removed.join(', ')}`);
      }
    });
  }

  /** Successful entries waiting for their XACK. */
  get pendingAcks(): number {
    return this.acks.size;
  }

  /** Handlers running now. */
  get running(): number {
    return this.dispatcher.runningCount;
  }

  /** True while a read waits on the blocking connection. */
  get reading(): boolean {
    return this.reader?.reading === true;
  }

  /** True while every reader on a connection of its own (other slots, ordered streams) heard from Redis lately. */
  get otherReadersReady(): boolean {
    return [...this.watched].every((watched) => watched.ready);
  }

  /** A key the main reader reads (on a Cluster its watchdog probes the node serving it), or undefined. */
  get readKey(): string | undefined {
    return this.mainKeys[0];
  }

  start(): void {
    void this.reader?.start();
    this.otherReaders = this.otherSlots.map((keys) => this.startWatchedReader(keys, false));
    this.owners.forEach((owner) => owner.start());
    this.promoter.start();
    this.reclaimer.start();
    this.leaseKeeper.start();
    this.sweeper.start();
  }

  /**
   * Stops taking work, lets running handlers finish for up to `timeoutMs` (their leases still renewed),
   * acknowledges, then hands what is left to peers and leaves the group only where nothing is pending.
   */
  async stop(timeoutMs: number): Promise<void> {
    const { deps } = this;
    await Promise.all([
      this.reader?.stop(),
      this.stopOtherReaders(),
      this.promoter.stop(),
      this.reclaimer.stop(),
      this.sweeper.stop(),
      ...this.owners.map((owner) => owner.stop()),
    ]);
    this.dispatcher.stop();
    if (!(await deps.inFlight.waitForIdle(timeoutMs))) {
      deps.logger.warn(
        `${deps.inFlight.size} handler(s) still running after ${timeoutMs} ms; their entries are handed over to peers`,
      );
      this.abortAll(new Error(`shutdown: still running after shutdownTimeoutMs (${timeoutMs} ms)`));
    }
    await this.leaseKeeper.stop();
    await this.acks.flush();
    this.acks.stop();
    if (deps.commands.status === 'ready' && !deps.lease.lost) {
      deps.telemetry.handedOver(
        await handOver(
          deps.commands,
          deps.table.readKeys(),
          deps.options.group,
          deps.options.consumer,
          deps.logger,
        ),
      );
    }
    // After the hand-over: a standby taking an ordered stream over finds what was left claimable at once.
    await Promise.all(this.owners.map((owner) => owner.releaseLease()));
  }

  /**
   * The consumer name was lost to another process: stop taking entries and settling them at once. Entries held here
   * are not acknowledged, retried or dead-lettered by this process (the name's new holder owns that PEL now); their
   * handlers' abort signals fire.
   */
  async fence(reason: Error): Promise<void> {
    this.dispatcher.stop();
    this.abortAll(reason);
    this.acks.stop();
    await Promise.all([
      this.reader?.stop(),
      this.stopOtherReaders(),
      ...this.owners.map((owner) => owner.stop()),
      this.promoter.stop(),
      this.reclaimer.stop(),
      this.sweeper.stop(),
      this.leaseKeeper.stop(),
    ]);
  }

  private async stopOtherReaders(): Promise<void> {
    const readers = await Promise.all(this.otherReaders.splice(0));
    await Promise.all(readers.map((watched) => this.stopWatchedReader(watched)));
  }

  private async stopWatchedReader(watched: WatchedReader): Promise<void> {
    this.watched.delete(watched);
    await watched.stop();
  }

  private abortAll(reason: Error): void {
    for (const held of this.deps.inFlight.all()) {
      held.renew = false;
      held.abort(reason);
    }
  }
}
