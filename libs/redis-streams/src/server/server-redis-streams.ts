import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, ReadPacket, Server } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { isObservable, lastValueFrom } from 'rxjs';
import { REDIS_STREAMS_TRANSPORT } from '../constants';
import { RedisStreamsContext } from '../ctx-host/redis-streams.context';
import { describeError } from '../errors/describe-error';
import { RedisStreamsError } from '../errors/redis-streams.error';
import { redactUrl } from '../options/connection-options';
import {
  ResolvedServerOptions,
  RedisStreamsServerOptions,
  resolveServerOptions,
} from '../options/server-options';
import { closeRedisConnection, createRedisConnection } from '../redis/connection-factory';
import { StreamRouter } from '../routing/stream-router';
import { AckBatcher } from './ack-batcher';
import { RedisScripts } from '../lua/scripts';
import { DispatchCounters, EntryDispatcher } from './entry-dispatcher';
import { ensureGroups } from './group-manager';
import { InFlight, entryKey } from './in-flight';
import { handOver } from './handover';
import { LeaseKeeper } from './lease-keeper';
import { Outcomes } from './outcomes';
import { Reclaimer } from './reclaimer';
import { RetryPromoter } from './retry-promoter';
import { HandlerTable } from './handler-table';
import { RedisStreamsServerEvents, RedisStreamsServerStats, RedisStreamsStatus } from './server-types';
import { StreamReader } from './stream-reader';

/**
 * Nest transport strategy that consumes Redis Streams with a consumer group, at least once:
 * an entry is acknowledged only after its handler finished successfully.
 *
 * @example
 * app.connectMicroservice({ strategy: new ServerRedisStreams({ group: 'billing' }) });
 */
export class ServerRedisStreams
  extends Server<RedisStreamsServerEvents, RedisStreamsStatus>
  implements CustomTransportStrategy
{
  /** The options in force, defaults applied. */
  readonly options: ResolvedServerOptions;
  protected override readonly logger = new Logger(ServerRedisStreams.name);
  private readonly router: StreamRouter;
  private readonly inFlight: InFlight;
  private readonly events = new EventEmitter();
  private readonly counters: DispatchCounters = {
    received: 0,
    handled: 0,
    failed: 0,
    acked: 0,
    processedTwice: 0,
    skipped: 0,
    rejected: 0,
    deletedWhilePending: 0,
    retried: 0,
    deadLettered: 0,
    reclaimed: 0,
    leasesLost: 0,
    handedOver: 0,
  };
  private table: HandlerTable | undefined;
  private commands: Redis | undefined;
  private blocking: Redis | undefined;
  private reader: StreamReader | undefined;
  private acks: AckBatcher | undefined;
  private promoter: RetryPromoter | undefined;
  private reclaimer: Reclaimer | undefined;
  private leaseKeeper: LeaseKeeper | undefined;
  private closing: Promise<void> | undefined;
  private lastStatus: RedisStreamsStatus | undefined;

  constructor(options: RedisStreamsServerOptions) {
    super();
    this.options = resolveServerOptions(options);
    this.router = new StreamRouter(this.options);
    this.inFlight = new InFlight(this.options.concurrency);
    this.transportId = this.options.transportId ?? REDIS_STREAMS_TRANSPORT;
    this.events.on('error', () => undefined); // errors are logged; an 'error' without listener must not throw
  }

  /** Connects, creates the groups, starts the read loop; then calls `callback` (with the error if start failed). */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      callback(error);
      return;
    }
    callback();
  }

  /** Graceful stop: stop reading, let in-flight handlers finish (up to `shutdownTimeoutMs`), acknowledge, close. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Subscribes to a server event (`error`, `handler-failed`, `rejected`). */
  on<K extends keyof RedisStreamsServerEvents>(event: K, callback: RedisStreamsServerEvents[K]): this {
    this.events.on(event, callback);
    return this;
  }

  /** The two ioredis connections: `[commands, blocking]`. */
  unwrap<T>(): T {
    if (!this.commands || !this.blocking) {
      throw new RedisStreamsError('not listening: call listen() (app.listen / startAllMicroservices) first');
    }
    return [this.commands, this.blocking] as T;
  }

  /** The streams this server reads (known once listening). */
  get streams(): string[] {
    return this.table?.streams() ?? [];
  }

  /** Counters since start. */
  getStats(): RedisStreamsServerStats {
    return { ...this.counters, inFlight: this.inFlight.size, pendingAcks: this.acks?.size ?? 0 };
  }

  /**
   * Runs the handler of `pattern` and settles only when it has finished: a throw, a rejection or an erroring
   * Observable rejects. (Nest's base implementation logs handler errors and resolves, which would ack a failure.)
   */
  override async handleEvent(
    pattern: string,
    packet: ReadPacket,
    context: RedisStreamsContext,
  ): Promise<void> {
    const handler = this.table
      ? this.table.resolve(context.getStream(), pattern)?.handler
      : this.getHandlerByPattern(pattern);
    if (!handler) {
      throw new RedisStreamsError(`no handler for "${pattern}"`);
    }
    const transportId = this.transportId ?? REDIS_STREAMS_TRANSPORT;
    await new Promise<void>((resolve, reject) => {
      this.onProcessingStartHook(transportId, context, async () => {
        try {
          const result: unknown = await handler(packet.data, context);
          if (isObservable(result)) {
            await lastValueFrom(result, { defaultValue: undefined });
          }
          resolve();
        } catch (error) {
          reject(
            error instanceof Error ? error : new RedisStreamsError(describeError(error), { cause: error }),
          );
        } finally {
          this.onProcessingEndHook?.(transportId, context);
        }
      });
    });
  }

  private async start(): Promise<void> {
    const { options } = this;
    this.setStatus('connecting');
    const table = new HandlerTable(this.messageHandlers, this.router, options.group, options.delivery);
    this.table = table;
    for (const pattern of table.ignored) {
      this.logger.warn(
        `"${pattern}" is not an event pattern: request-response is not served over Redis Streams`,
      );
    }
    this.commands = this.connect('commands', {});
    // The blocking connection keeps ioredis's resend of unanswered commands: with it off, ioredis 6 drops a
    // command in flight at disconnect without ever settling its promise, and the read loop would hang.
    this.blocking = this.connect('blocking', { maxRetriesPerRequest: null, enableAutoPipelining: false });
    try {
      await Promise.all([this.commands.connect(), this.blocking.connect()]);
    } catch (error) {
      await this.closeConnections();
      throw new RedisStreamsError(`cannot connect to ${redactUrl(options.url)}: ${describeError(error)}`);
    }
    const lanes = table.readKeys().filter((key) => table.readKey(key).lane);
    await ensureGroups(this.commands, table.streams(), options.group, options.startId);
    await ensureGroups(this.commands, lanes, options.group, '0');
    this.setStatus('connected');
    if (table.streams().length === 0) {
      this.logger.warn(`group ${options.group}: no event handlers bound to this server, nothing to read`);
      return;
    }
    this.logger.log(
      `group ${options.group}, consumer ${options.consumer}: reading ${table.streams().join(', ')} on ${redactUrl(options.url)}`,
    );
    this.startPipeline(this.commands, this.blocking, table);
  }

  /** Wires acknowledgements, outcomes, the dispatcher, the read loop and the retry promoter. */
  private startPipeline(commands: Redis, blocking: Redis, table: HandlerTable): void {
    const { options } = this;
    const scripts = new RedisScripts(commands);
    const acks = new AckBatcher(
      commands,
      options.group,
      this.logger,
      (_key, sent, acked) => {
        this.counters.acked += acked;
        this.counters.processedTwice += sent - acked;
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
      counters: this.counters,
      events: this.events,
      logger: this.logger,
    });
    const dispatcher = new EntryDispatcher({
      group: options.group,
      consumer: options.consumer,
      limits: options,
      table,
      outcomes,
      inFlight: this.inFlight,
      counters: this.counters,
      events: this.events,
      logger: this.logger,
      runHandler: (pattern, packet, context) => this.handleEvent(pattern, packet, context),
    });
    const readKeys = table.readKeys();
    this.reader = new StreamReader({
      blocking,
      commands,
      streams: readKeys,
      group: options.group,
      consumer: options.consumer,
      batchSize: options.batchSize,
      blockMs: options.blockMs,
      maxReconnectDelayMs: options.maxReconnectDelayMs,
      inFlight: this.inFlight,
      logger: this.logger,
      isSettling: (key, id) => this.inFlight.has(entryKey(key, id)) || acks.has(key, id),
      onEntries: (key, entries, deliveries) => dispatcher.dispatch(key, entries, deliveries),
      beforePelRead: () => acks.flush(),
      healGroups: () => ensureGroups(commands, readKeys, options.group, '0'),
      onHealth: (connected) => this.setStatus(connected ? 'connected' : 'reconnecting'),
    });
    void this.reader.start();
    this.promoter = new RetryPromoter(
      scripts,
      table.streams(),
      options.group,
      options.consumer,
      options.retryPollMs,
      this.logger,
    );
    this.promoter.start();
    this.reclaimer = new Reclaimer({
      commands,
      readKeys,
      group: options.group,
      consumer: options.consumer,
      minIdleMs: options.minIdleMs,
      intervalMs: options.reclaimIntervalMs,
      batchSize: options.batchSize,
      inFlight: this.inFlight,
      logger: this.logger,
      isSettling: (key, id) => this.inFlight.has(entryKey(key, id)) || acks.has(key, id),
      onEntries: (key, entries, deliveries) => dispatcher.dispatch(key, entries, deliveries),
      onReclaimed: (taken, deleted) => {
        this.counters.reclaimed += taken;
        this.counters.deletedWhilePending += deleted;
      },
    });
    this.reclaimer.start();
    this.leaseKeeper = new LeaseKeeper(
      scripts,
      this.inFlight,
      options.group,
      options.consumer,
      Math.max(10, Math.floor(options.minIdleMs / 3)),
      this.logger,
      (lost) => (this.counters.leasesLost += lost),
    );
    this.leaseKeeper.start();
  }

  private connect(role: string, overrides: Parameters<typeof createRedisConnection>[1]): Redis {
    const connection = createRedisConnection(this.options, overrides);
    connection.on('error', (error: unknown) => {
      const safe = new RedisStreamsError(`redis (${role}): ${describeError(error)}`);
      this.logger.debug?.(safe.message);
      this.events.emit('error', safe);
    });
    return connection;
  }

  private async shutdown(): Promise<void> {
    // Stop taking work, let running handlers finish (their leases still renewed), acknowledge, then hand what is
    // left to peers and leave the group only if nothing is pending here.
    await Promise.all([this.reader?.stop(), this.promoter?.stop(), this.reclaimer?.stop()]);
    const drained = await this.inFlight.waitForIdle(this.options.shutdownTimeoutMs);
    if (!drained) {
      this.logger.warn(
        `${this.inFlight.size} handler(s) still running after ${this.options.shutdownTimeoutMs} ms; ` +
          'their entries are handed over to peers',
      );
    }
    await this.leaseKeeper?.stop();
    await this.acks?.flush();
    this.acks?.stop();
    if (this.commands?.status === 'ready' && this.table) {
      this.counters.handedOver += await handOver(
        this.commands,
        this.table.readKeys(),
        this.options.group,
        this.options.consumer,
        this.logger,
      );
    }
    await this.closeConnections();
    this.setStatus('disconnected');
  }

  /** Publishes a status change (repeats of the same status are not published). */
  private setStatus(status: RedisStreamsStatus): void {
    if (status !== this.lastStatus) {
      this.lastStatus = status;
      this._status$.next(status);
    }
  }

  private async closeConnections(): Promise<void> {
    await Promise.all([closeRedisConnection(this.blocking), closeRedisConnection(this.commands)]);
  }
}
