import { EventEmitter } from 'node:events';
import { LoggerService } from '@nestjs/common';
import type { ReadPacket } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { RedisScripts } from '../lua/scripts';
import { ResolvedServerOptions } from '../options/server-options';
import { AckBatcher } from './ack-batcher';
import { DispatchCounters, EntryDispatcher } from './entry-dispatcher';
import { ensureGroups } from './group-manager';
import { handOver } from './handover';
import { HandlerTable } from './handler-table';
import { InFlight } from './in-flight';
import { sweepIdleConsumers } from './idle-consumers';
import { LeaseKeeper } from './lease-keeper';
import { Outcomes } from './outcomes';
import { Periodic } from './periodic';
import { Reclaimer } from './reclaimer';
import { RetryPromoter } from './retry-promoter';
import { StreamReader } from './stream-reader';

/** What the pipeline needs from the server. */
export interface ConsumerPipelineDeps {
  commands: Redis;
  blocking: Redis;
  table: HandlerTable;
  options: ResolvedServerOptions;
  inFlight: InFlight;
  counters: DispatchCounters;
  events: EventEmitter;
  logger: LoggerService;
  runHandler(pattern: string, packet: ReadPacket, context: RedisStreamsContext): Promise<void>;
  onHealth(connected: boolean): void;
}

/**
 * Everything that moves entries for one server, wired together: the read loop, the dispatcher and its outcomes
 * (batched acks, retries, dead letters), the retry promoter, the reclaimer and the lease keeper — and their orderly
 * stop.
 */
export class ConsumerPipeline {
  private readonly acks: AckBatcher;
  private readonly reader: StreamReader;
  private readonly promoter: RetryPromoter;
  private readonly reclaimer: Reclaimer;
  private readonly leaseKeeper: LeaseKeeper;
  private readonly sweeper: Periodic;

  constructor(private readonly deps: ConsumerPipelineDeps) {
    const { commands, table, options, counters, logger, inFlight } = deps;
    const scripts = new RedisScripts(commands);
    const acks = new AckBatcher(
      commands,
      options.group,
      logger,
      (_key, sent, acked) => {
        counters.acked += acked;
        counters.processedTwice += sent - acked;
      },
      options.maxReconnectDelayMs,
      (key) => table.readKey(key).lane,
    );
    this.acks = acks;
    const outcomes = new Outcomes({
      scripts,
      acks,
      group: options.group,
      consumer: options.consumer,
      maxFieldBytes: options.maxPayloadBytes,
      counters,
      events: deps.events,
      logger,
    });
    const dispatcher = new EntryDispatcher({
      group: options.group,
      consumer: options.consumer,
      limits: options,
      table,
      outcomes,
      inFlight,
      counters,
      events: deps.events,
      logger,
      runHandler: (pattern, packet, context) => deps.runHandler(pattern, packet, context),
    });
    const readKeys = table.readKeys();
    const isSettling = (key: string, id: string): boolean => inFlight.has(key, id) || acks.has(key, id);
    this.reader = new StreamReader({
      blocking: deps.blocking,
      commands,
      streams: readKeys,
      group: options.group,
      consumer: options.consumer,
      batchSize: options.batchSize,
      blockMs: options.blockMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      inFlight,
      logger,
      isSettling,
      onEntries: (key, entries, deliveries) => dispatcher.dispatch(key, entries, deliveries),
      beforePelRead: () => acks.flush(),
      healGroups: () => ensureGroups(commands, readKeys, options.group, '0'),
      onHealth: (connected) => deps.onHealth(connected),
    });
    this.promoter = new RetryPromoter(
      scripts,
      table.streams(),
      options.group,
      options.consumer,
      options.retryPollMs,
      logger,
    );
    this.reclaimer = new Reclaimer({
      commands,
      readKeys,
      group: options.group,
      consumer: options.consumer,
      minIdleMs: options.minIdleMs,
      intervalMs: options.reclaimIntervalMs,
      batchSize: options.batchSize,
      inFlight,
      logger,
      isSettling,
      onEntries: (key, entries, deliveries) => dispatcher.dispatch(key, entries, deliveries),
      onReclaimed: (taken, deleted) => {
        counters.reclaimed += taken;
        counters.deletedWhilePending += deleted;
      },
    });
    this.leaseKeeper = new LeaseKeeper(
      scripts,
      inFlight,
      options.group,
      options.consumer,
      Math.max(10, Math.floor(options.minIdleMs / 3)),
      logger,
      (lost) => (counters.leasesLost += lost),
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

  start(): void {
    void this.reader.start();
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
    await Promise.all([this.reader.stop(), this.promoter.stop(), this.reclaimer.stop(), this.sweeper.stop()]);
    if (!(await deps.inFlight.waitForIdle(timeoutMs))) {
      deps.logger.warn(
        `${deps.inFlight.size} handler(s) still running after ${timeoutMs} ms; their entries are handed over to peers`,
      );
    }
    await this.leaseKeeper.stop();
    await this.acks.flush();
    this.acks.stop();
    if (deps.commands.status === 'ready') {
      deps.counters.handedOver += await handOver(
        deps.commands,
        deps.table.readKeys(),
        deps.options.group,
        deps.options.consumer,
        deps.logger,
      );
    }
  }
}
