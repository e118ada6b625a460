import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, ReadPacket, Server } from '@nestjs/microservices';
import type { RedisConnection } from '../redis/redis-connection';
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
import { cannotConnectError, connectRedis } from '../redis/connect-error';
import { closeRedisConnection, createRedisConnection } from '../redis/connection-factory';
import { assertSameSlotKeys } from '../redis/cross-slot';
import { isClusterUrl } from '../redis/redis-url';
import { StreamKeys } from '../wire/stream-keys';
import { StreamRouter } from '../routing/stream-router';
import { InformationalSubscriber } from './informational-subscriber';
import { CircuitBreakers } from './circuit-breakers';
import { ConsumerLease, ConsumerNameLostError } from './consumer-lease';
import { ConsumerPipeline } from './consumer-pipeline';
import { ReadLoopHealth, Watchdog, watchdogIntervalMs } from './watchdog';
import { ensureGroups } from './group-manager';
import { ValueSink, invokeHandler } from './handler-invocation';
import { InFlight } from './in-flight';
import { HandlerTable } from './handler-table';
import {
  CircuitStatus,
  RedisStreamsServerEvents,
  RedisStreamsServerStats,
  RedisStreamsStatus,
} from './server-types';
import { Telemetry } from './telemetry';

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
  private readonly telemetry = new Telemetry(this.logger);
  private table: HandlerTable | undefined;
  private circuits: CircuitBreakers | undefined;
  private pipeline: ConsumerPipeline | undefined;
  private consumerLease: ConsumerLease | undefined;
  private watchdog: Watchdog | undefined;
  private commands: RedisConnection | undefined;
  private blocking: RedisConnection | undefined;
  /** The pub/sub connection of informational routes (`durable: false`), when any has a handler. */
  private subscriber: RedisConnection | undefined;
  private informational: InformationalSubscriber | undefined;
  private closing: Promise<void> | undefined;
  private lastStatus: RedisStreamsStatus | undefined;
  /** True once a Nest processing hook was set: handlers then run inside it. */
  private processingHooked = false;

  constructor(options: RedisStreamsServerOptions) {
    super();
    this.options = resolveServerOptions(options);
    this.router = new StreamRouter(this.options);
    this.inFlight = new InFlight(this.options.concurrency);
    this.transportId = this.options.transportId ?? REDIS_STREAMS_TRANSPORT;
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

  /**
   * Subscribes to a server event (see {@link RedisStreamsServerEvents}). A listener that throws is logged and
   * otherwise ignored: it never skips an acknowledgement or stops the read loop.
   */
  on<K extends keyof RedisStreamsServerEvents>(event: K, callback: RedisStreamsServerEvents[K]): this {
    this.telemetry.on(event, callback);
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

  /**
   * Liveness and readiness of this server: `live` while its watchdog ticks (a Redis outage does not make a process
   * unhealthy), `ready` while Redis answered on its read connections (one per cluster slot, one per ordered stream it
   * leads) within `blockMs + stallMs` (a read, or the watchdog's probe while every slot is busy) and the process still holds its consumer name (`consumerNameLost`:
   * another process took the name while this one stalled; this server then stopped consuming for good).
   */
  health(): ReadLoopHealth & {
    status: RedisStreamsStatus | undefined;
    group: string;
    consumer: string;
    consumerNameLost: boolean;
    /** Handlers whose circuit is open or half-open: reported, not a failure (other handlers keep flowing). */
    openCircuits: CircuitStatus[];
  } {
    const loop = this.watchdog?.health() ?? {
      live: false,
      ready: false,
      lastReplyMsAgo: -1,
      lastTickMsAgo: -1,
    };
    const consumerNameLost = this.consumerLease?.lost === true;
    return {
      ...loop,
      ready:
        loop.ready &&
        this.pipeline?.otherReadersReady !== false &&
        this.lastStatus === 'connected' &&
        !consumerNameLost,
      consumerNameLost,
      status: this.lastStatus,
      group: this.options.group,
      consumer: this.options.consumer,
      openCircuits: this.getCircuits().filter((circuit) => circuit.state !== 'closed'),
    };
  }

  /** The circuits of the handlers that have a circuit breaker (delivery policy `circuitBreaker`), known once listening. */
  getCircuits(): CircuitStatus[] {
    return this.circuits?.statuses() ?? [];
  }

  /** Counters since start. */
  getStats(): RedisStreamsServerStats {
    return {
      ...this.telemetry.snapshot(),
      inFlight: this.inFlight.size,
      running: this.pipeline?.running ?? 0,
      pendingAcks: this.pipeline?.pendingAcks ?? 0,
    };
  }

  /**
   * Runs the handler of `pattern` and settles only when it has finished (see {@link invokeHandler}), inside Nest's
   * processing hooks when any were set. The consume loop does not come through here: it resolves the handler once
   * and calls {@link runHandler}.
   */
  override handleEvent(pattern: string, packet: ReadPacket, context: RedisStreamsContext): Promise<void> {
    const handler = this.table
      ? this.table.resolve(context.getStream(), pattern)?.handler
      : this.getHandlerByPattern(pattern);
    if (!handler) {
      return Promise.reject(new RedisStreamsError(`no handler for "${pattern}"`));
    }
    return this.runHandler(handler, packet.data, context);
  }

  /** Runs `handler` to its end, inside Nest's processing hooks when any were set. */
  private readonly runHandler = (
    handler: MessageHandler,
    data: unknown,
    context: RedisStreamsContext,
    onValue?: ValueSink,
  ): Promise<void> => {
    if (!this.processingHooked) {
      return invokeHandler(handler, data, context, onValue); // the hot path: no hook closures and promise per event
    }
    const transportId = this.transportId ?? REDIS_STREAMS_TRANSPORT;
    return new Promise<void>((resolve, reject) => {
      this.onProcessingStartHook(transportId, context, () =>
        invokeHandler(handler, data, context, onValue)
          .then(resolve, reject)
          .finally(() => this.onProcessingEndHook?.(transportId, context)),
      );
    });
  };

  /** Nest's hook around each handler call (used by instrumentation); see {@link handleEvent}. */
  override setOnProcessingStartHook(hook: Parameters<Server['setOnProcessingStartHook']>[0]): void {
    this.processingHooked = true;
    super.setOnProcessingStartHook(hook);
  }

  /** Nest's hook after each handler call (used by instrumentation); see {@link handleEvent}. */
  override setOnProcessingEndHook(hook: Parameters<Server['setOnProcessingEndHook']>[0]): void {
    this.processingHooked = true;
    super.setOnProcessingEndHook(hook);
  }

  private async start(): Promise<void> {
    const { options } = this;
    this.setStatus('connecting');
    const table = new HandlerTable(this.messageHandlers, this.router, options.group, options.delivery);
    if (isClusterUrl(options.url)) {
      assertSameSlotKeys(
        table.streams().map((stream) => ({ stream, deadLetterStream: table.route(stream).deadLetterStream })),
      );
    }
    this.table = table;
    const circuits = new CircuitBreakers(
      table.withCircuitBreaker,
      options.group,
      this.telemetry,
      this.logger,
    );
    this.circuits = circuits;
    for (const pattern of table.ignored) {
      this.logger.warn(
        `"${pattern}" is not served: object patterns are not, nor @MessagePattern handlers on informational (durable: false) routes`,
      );
    }
    this.commands = this.connect('commands', {});
    // The blocking connection keeps ioredis's resend of unanswered commands: with it off, ioredis 6 drops a
    // command in flight at disconnect without ever settling its promise, and the read loop would hang.
    this.blocking = this.connect('blocking', { maxRetriesPerRequest: null, enableAutoPipelining: false });
    try {
      await Promise.all([connectRedis(this.commands), connectRedis(this.blocking)]);
    } catch (error) {
      await this.closeConnections();
      throw cannotConnectError(options.url, error);
    }
    this.consumerLease = new ConsumerLease(
      this.commands,
      StreamKeys.consumerLease(options.group, options.consumer),
      options.consumer,
      options.consumerLeaseMs,
      this.logger,
      (error) => void this.fence(error),
    );
    try {
      await this.consumerLease.acquire();
    } catch (error) {
      await this.closeConnections();
      throw error;
    }
    try {
      await this.startConsuming(table, circuits);
    } catch (error) {
      // Nothing may outlive a failed start: the name's lease, its renewal timer, the connections.
      await this.consumerLease.release();
      await this.closeConnections();
      throw error;
    }
  }

  private async startConsuming(table: HandlerTable, circuits: CircuitBreakers): Promise<void> {
    const { options } = this;
    const commands = this.commands as RedisConnection;
    const blocking = this.blocking as RedisConnection;
    const lease = this.consumerLease as ConsumerLease;
    const lanes = table.readKeys().filter((key) => table.readKey(key).lane);
    await ensureGroups(commands, table.streams(), options.group, options.startId);
    await ensureGroups(commands, lanes, options.group, '0');
    await this.subscribeInformational(table);
    this.setStatus('connected');
    if (table.streams().length === 0) {
      if (table.channels().length === 0) {
        this.logger.warn(`group ${options.group}: no event handlers bound to this server, nothing to read`);
      }
      return;
    }
    this.logger.log(
      `group ${options.group}, consumer ${options.consumer}: reading ${table.streams().join(', ')} on ${redactUrl(options.url)}`,
    );
    const pipeline = new ConsumerPipeline({
      commands,
      blocking,
      table,
      options,
      inFlight: this.inFlight,
      telemetry: this.telemetry,
      logger: this.logger,
      lease,
      runHandler: this.runHandler,
      openBlocking: () => this.connect('reader', { maxRetriesPerRequest: null, enableAutoPipelining: false }),
      circuits,
      onHealth: (connected) => {
        if (connected) {
          this.watchdog?.replied();
        }
        this.setStatus(connected ? 'connected' : 'reconnecting');
      },
    });
    this.pipeline = pipeline;
    pipeline.start();
    this.watchdog = new Watchdog(
      blocking,
      () => pipeline.reading,
      options.blockMs,
      options.stallMs,
      watchdogIntervalMs(options.stallMs),
      this.logger,
      pipeline.readKey,
    );
    this.watchdog.start();
  }

  /** The consumer name was taken by another process while this one stalled: stop consuming, say so everywhere. */
  private async fence(error: ConsumerNameLostError): Promise<void> {
    this.logger.error(error.message);
    this.telemetry.consumerNameLost(error);
    await this.pipeline?.fence(error);
  }

  private connect(role: string, overrides: Parameters<typeof createRedisConnection>[1]): RedisConnection {
    const connection = createRedisConnection(this.options, overrides);
    connection.on('error', (error: unknown) => {
      const safe = new RedisStreamsError(`redis (${role}): ${describeError(error)}`);
      this.logger.debug?.(safe.message);
      this.telemetry.connectionError(safe);
    });
    return connection;
  }

  /** SUBSCRIBEs to the channels of informational routes, on a connection of their own. */
  private async subscribeInformational(table: HandlerTable): Promise<void> {
    if (table.channels().length === 0) {
      return;
    }
    const { options } = this;
    this.subscriber = this.connect('subscriber', { enableAutoPipelining: false });
    await connectRedis(this.subscriber);
    this.informational = new InformationalSubscriber({
      connection: this.subscriber,
      table,
      group: options.group,
      consumer: options.consumer,
      limits: options,
      concurrency: options.concurrency,
      telemetry: this.telemetry,
      logger: this.logger,
      runHandler: this.runHandler,
    });
    await this.informational.start();
    this.logger.log(`subscribed (at most once) to ${table.channels().join(', ')}`);
  }

  private async shutdown(): Promise<void> {
    await this.informational?.stop(this.options.shutdownTimeoutMs);
    await this.watchdog?.stop();
    await this.pipeline?.stop(this.options.shutdownTimeoutMs);
    if (this.commands?.status === 'ready') {
      await this.consumerLease?.release();
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
    await Promise.all([
      closeRedisConnection(this.blocking),
      closeRedisConnection(this.commands),
      closeRedisConnection(this.subscriber),
    ]);
  }
}
