import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { ClientProxy, ReadPacket, WritePacket } from '@nestjs/microservices';
import { RedisConnection, connectionFor } from '../redis/redis-connection';
import { RpcException } from '@nestjs/microservices';
import { AsyncSubject, Observable, throwError } from 'rxjs';
import { describeError, redisErrorCode } from '../errors/describe-error';
import { InvalidEventError, RedisCommandError, RedisStreamsError } from '../errors/redis-streams.error';
import {
  MAX_REQUEST_TIMEOUT_MS,
  RedisStreamsClientOptions,
  ResolvedClientOptions,
  resolveClientOptions,
} from '../options/client-options';
import { defineClientScripts, idempotentXadd } from '../lua/scripts';
import { cannotConnectError, connectRedis } from '../redis/connect-error';
import { closeRedisConnection, createRedisConnection } from '../redis/connection-factory';
import { encodeEntry } from '../wire/entry-encoder';
import { eventTtl } from '../options/expiry-options';
import { withTraceHeaders } from '../tracing/trace-headers';
import { encodeInformationalMessage } from '../wire/informational-message';
import { StreamKeys } from '../wire/stream-keys';
import { emitIdempotency } from './idempotent-emit';
import { RedisStreamsRecord } from './redis-streams.record';
import { ReplyInbox } from './reply-inbox';
import { OpenCall, RequestCalls, RequestStats } from './request-calls';
import { requestHeaders } from '../wire/request-headers';
import { assertInteger } from '../options/connection-options';
import { ReplicationOptions, resolveReplicationOptions } from '../options/replication-options';
import { RouteCache } from './route-cache';

/** How long one read of the reply stream blocks (ms): bounds how long closing waits for it. */
const REPLY_READ_BLOCK_MS = 5000;

/** The timeout of one call: the record's `timeoutMs`, else the client's; throws InvalidOptionsError for a bad one. */
function requestTimeoutOf(record: RedisStreamsRecord | undefined, fallback: number): number {
  const timeoutMs = record?.options.timeoutMs ?? fallback;
  assertInteger('timeoutMs', timeoutMs, 1, MAX_REQUEST_TIMEOUT_MS);
  return timeoutMs;
}

/** What {@link ClientRedisStreams.emitReplicated} resolves with. */
export interface ReplicatedEmit {
  /** The entry id Redis assigned (the first one, for a deduplicated `idempotencyKey`). */
  id: string;
  /** Replicas that acknowledged the write within the timeout (WAIT's answer). */
  replicas: number;
  /** True when at least the replicas asked for have it. */
  confirmed: boolean;
}

/** Connection state of a client. */
export type RedisStreamsClientStatus = 'connected' | 'disconnected' | 'reconnecting';

/** An event written to its stream. */
export interface EmittedEvent {
  stream: string;
  pattern: string;
  /** The entry id Redis assigned (for a duplicate: the first entry's). */
  id: string;
  /** True when an emit with an `idempotencyKey` found the key used within its window: nothing was written. */
  duplicate?: boolean;
}

/** An XADD that Redis refused or that failed with the connection (the caller got the error too). */
export interface EmitFailure {
  stream: string;
  pattern: string;
  /** Redis's error code (`OOM`, `NOPERM`, …), undefined for connection failures. */
  code: string | undefined;
  error: Error;
}

/** Events a client emits. */
export type RedisStreamsClientEvents = {
  /** A Redis connection error (message only). */
  error: (error: Error) => void;
  /** An event was written. */
  emitted: (event: EmittedEvent) => void;
  /** An event could not be written. */
  'emit-failed': (failure: EmitFailure) => void;
};

/**
 * Nest `ClientProxy` that writes events to Redis Streams. `emit(pattern, data)` XADDs one entry and its Observable
 * emits the entry id; Redis errors (OOM, NOPERM, connection loss past `maxRetriesPerRequest`) reach the caller.
 * Emits issued together are pipelined (ioredis auto-pipelining), not one round trip each. Nothing is trimmed.
 */
export class ClientRedisStreams extends ClientProxy<RedisStreamsClientEvents, RedisStreamsClientStatus> {
  /** The options in force, defaults applied. */
  readonly options: ResolvedClientOptions;
  private readonly logger = new Logger(ClientRedisStreams.name);
  private readonly routes: RouteCache;
  private connection: RedisConnection | undefined;
  private connecting: Promise<RedisConnection> | undefined;
  private replicated: Promise<RedisConnection> | undefined;
  private readonly events = new EventEmitter();
  private readonly defaultHeaders: Record<string, string>;
  private inbox: ReplyInbox;
  private readonly calls: RequestCalls;

  constructor(options: RedisStreamsClientOptions = {}) {
    super();
    this.options = resolveClientOptions(options);
    this.routes = new RouteCache(this.options);
    this.inbox = this.newInbox();
    this.calls = new RequestCalls({
      expect: (id, receiver) => this.inbox.expect(id, receiver),
      forget: (id) => this.inbox.forget(id),
    });
    this.defaultHeaders = this.options.source ? { source: this.options.source } : {};
    this.events.on('error', () => undefined); // errors are logged; an 'error' without listener must not throw
  }

  /** Connects once; later calls return the same connection. */
  connect(): Promise<RedisConnection> {
    this.connecting ??= this.open();
    return this.connecting;
  }

  /**
   * Ends the calls still waiting (with a RedisStreamsError), deletes this instance's reply stream, closes the
   * connections (QUIT). A later emit or send connects again.
   */
  async close(): Promise<void> {
    this.calls.failAll(new RedisStreamsError('the client closed before the reply came'));
    await this.inbox.close();
    this.inbox = this.newInbox();
    const connection = this.connection;
    const replicated = this.replicated;
    this.connection = undefined;
    this.connecting = undefined;
    this.replicated = undefined;
    await closeRedisConnection(connection);
    await closeRedisConnection(await replicated?.catch(() => undefined));
    this._status$.next('disconnected');
  }

  /** Subscribes to client events (`error`, `emitted`, `emit-failed`). */
  override on<K extends keyof RedisStreamsClientEvents>(
    event: K,
    callback: RedisStreamsClientEvents[K],
  ): void {
    this.events.on(event, callback);
  }

  /** The ioredis connection (after `connect()`). */
  unwrap<T>(): T {
    if (!this.connection) {
      throw new RedisStreamsError('not connected: call connect() first');
    }
    return this.connection as T;
  }

  /** The stream an event of `pattern` is written to. */
  streamFor(pattern: string): string {
    return this.routes.streamFor(pattern);
  }

  /**
   * Writes one event. Like Nest's `ClientProxy.emit` the write starts at once, whether or not anyone subscribes; unlike
   * it, the outcome (entry id or error) is kept, so a subscriber that comes after the write finished still gets it.
   * A null/undefined pattern or payload fails with {@link InvalidEventError} (Nest's clients refuse them too).
   */
  override emit<TResult = string, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) {
      return throwError(
        () => new InvalidEventError('emit needs a pattern and a payload, not null or undefined'),
      );
    }
    // Nest's version builds defer → connect → mergeMap → connectable Subject per event: about 15 µs of CPU and most
    // of the producer's garbage at high rates (profiled, issue 5). One AsyncSubject does the same job.
    const outcome = new AsyncSubject<TResult>();
    this.dispatchEvent<TResult>({ pattern, data }).then(
      (id) => {
        outcome.next(id);
        outcome.complete();
      },
      (error: unknown) => outcome.error(error),
    );
    return outcome.asObservable();
  }

  /** Writes one event; resolves with the entry id (informational routes: how many subscribers received it). */
  protected async dispatchEvent<T = string>(packet: ReadPacket): Promise<T> {
    return (await this.write(packet, () => this.connection ?? this.connect())) as T;
  }

  /**
   * Writes one event like `emit()`, then waits until `replicas` replicas have it (`WAIT`, on the connection that wrote
   * it: a connection of its own, so plain emits never queue behind a wait), for at most `timeoutMs`. Resolves with the
   * entry id and how many replicas acknowledged it; `confirmed` false means a failover now could lose the entry (it
   * is written on the primary all the same: emit it again with the same `idempotencyKey` if that matters). For
   * producers on a replicated Redis (Sentinel) that must know; informational routes are refused.
   */
  async emitReplicated(
    pattern: string,
    data: unknown,
    options: ReplicationOptions = {},
  ): Promise<ReplicatedEmit> {
    const { replicas, timeoutMs } = resolveReplicationOptions(options);
    if (typeof pattern === 'string' && this.routes.routeFor(pattern).durable === false) {
      throw new InvalidEventError(
        `"${pattern}" is informational (durable: false): nothing is stored to replicate`,
      );
    }
    const connection = await this.replicatedConnection();
    const id = String(await this.write({ pattern, data }, () => connection));
    let reached: number;
    try {
      // On a Cluster: the link to the primary that took the write (WAIT counts that node's replicas).
      const writer = connectionFor(connection, this.routes.routeFor(pattern).stream);
      if (!writer) {
        throw new Error('no primary serves the stream right now');
      }
      reached = Number(await writer.wait(replicas, timeoutMs));
    } catch (error) {
      throw new RedisCommandError(
        `WAIT after writing ${id} failed (the entry is written): ${describeError(error)}`,
        redisErrorCode(error),
      );
    }
    return { id, replicas: reached, confirmed: reached >= replicas };
  }

  /** Encodes and writes one event on the connection `connect` gives (once the event is known to be writable). */
  private async write(
    packet: ReadPacket,
    connect: () => RedisConnection | Promise<RedisConnection>,
  ): Promise<string | number> {
    const pattern: unknown = packet.pattern;
    if (typeof pattern !== 'string') {
      throw new InvalidEventError('pattern must be a non-empty string');
    }
    const record = packet.data instanceof RedisStreamsRecord ? packet.data : undefined;
    const data: unknown = record ? record.data : packet.data;
    const route = this.routes.routeFor(pattern);
    const options = record?.options;
    const idempotency = options && emitIdempotency(route, options, this.options.idempotencyWindowMs);
    const fields = encodeEntry(
      route,
      pattern,
      data,
      {
        eventId: options?.eventId ?? idempotency?.key,
        headers:
          route.writeCodec === 'flat' ? undefined : withTraceHeaders(this.defaultHeaders, options?.headers),
        fields: options?.fields,
        ttlMs: eventTtl(options?.ttlMs, route.ttlMs),
        explicit: options !== undefined && (options.eventId !== undefined || options.headers !== undefined),
      },
      this.options,
    );
    const connection = await connect();
    const stream = route.stream;
    if (route.durable === false) {
      return this.publishInformational(connection, stream, pattern, fields);
    }
    const marker = idempotency && StreamKeys.emitMarker(stream, idempotency.key);
    let id: string | null;
    let duplicate = false;
    try {
      if (idempotency && marker) {
        ({ id, duplicate } = await idempotentXadd(connection, marker, stream, idempotency.windowMs, fields));
      } else {
        id = await connection.xadd(stream, '*', ...fields);
      }
    } catch (error) {
      // ioredis errors carry the command's arguments (the payload): pass on the message only.
      const code = redisErrorCode(error);
      const failure = new RedisCommandError(`XADD to ${stream} failed: ${describeError(error)}`, code);
      this.events.emit('emit-failed', { stream, pattern, code, error: failure });
      throw failure;
    }
    if (this.events.listenerCount('emitted') > 0) {
      this.events.emit('emitted', { stream, pattern, id: id ?? '', duplicate });
    }
    return id ?? '';
  }

  /** The connection of {@link emitReplicated} (opened on first use, no auto-pipelining: WAITs block it). */
  private replicatedConnection(): Promise<RedisConnection> {
    this.replicated ??= this.open({ enableAutoPipelining: false }).catch((error: unknown) => {
      this.replicated = undefined;
      throw error;
    });
    return this.replicated;
  }

  /** PUBLISHes an informational event (route `durable: false`); resolves with how many subscribers received it. */
  private async publishInformational(
    connection: RedisConnection,
    channel: string,
    pattern: string,
    fields: readonly string[],
  ): Promise<number> {
    try {
      return await connection.publish(channel, encodeInformationalMessage(fields));
    } catch (error) {
      const code = redisErrorCode(error);
      const failure = new RedisCommandError(`PUBLISH to ${channel} failed: ${describeError(error)}`, code);
      this.events.emit('emit-failed', { stream: channel, pattern, code, error: failure });
      throw failure;
    }
  }

  /** Closes the connection when the Nest application shuts down (after its microservices have drained). */
  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /**
   * Request-reply counters: requests sent, calls answered, timed out, cancelled or failed, replies that came for no
   * waiting call (dropped), calls waiting now.
   */
  getRequestStats(): RequestStats {
    return this.calls.stats();
  }

  /** This instance's reply stream: where the answers to its `send()` calls arrive. */
  get replyStream(): string {
    return this.inbox.stream;
  }

  /**
   * Nest's `send()` comes here for each subscription: the request is written on the pattern's stream (through the
   * consumer group, like an event) with this instance's reply stream, a correlation id and the caller's deadline in
   * its headers; the replies come back through the inbox. Unsubscribing cancels the call (a late reply is dropped
   * and counted); no complete answer within the timeout fails it with RequestTimeoutError.
   */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const pattern = typeof packet.pattern === 'string' ? packet.pattern : String(packet.pattern);
    const record = packet.data instanceof RedisStreamsRecord ? packet.data : undefined;
    let timeoutMs: number;
    try {
      timeoutMs = requestTimeoutOf(record, this.options.requestTimeoutMs);
    } catch (error) {
      callback({ err: error, isDisposed: true });
      return () => undefined;
    }
    const call = this.calls.start(pattern, timeoutMs, callback);
    this.request(packet, call).then(
      (written) => written && this.calls.sent(),
      (error: unknown) => call.fail(error),
    );
    return () => call.cancel();
  }

  /** An `error` reply (the handler's error payload) reaches the caller as an RpcException; our own errors as they are. */
  protected override serializeError(error: unknown): unknown {
    return error instanceof Error ? error : new RpcException(error as object);
  }

  /**
   * Writes one request (after the inbox exists, so no reply can come before anyone reads); false when the call ended
   * before it was written (nothing written then).
   */
  private async request(packet: ReadPacket, call: OpenCall): Promise<boolean> {
    const pattern: unknown = packet.pattern;
    if (typeof pattern !== 'string' || pattern.length === 0) {
      throw new InvalidEventError('pattern must be a non-empty string');
    }
    const record = packet.data instanceof RedisStreamsRecord ? packet.data : undefined;
    if (record?.options.idempotencyKey !== undefined || record?.options.ttlMs !== undefined) {
      throw new InvalidEventError(
        `send("${pattern}"): idempotencyKey and ttlMs are emit options; a request has timeoutMs (its deadline)`,
      );
    }
    const route = this.routes.routeFor(pattern);
    if (route.durable === false || route.writeCodec === 'flat') {
      throw new InvalidEventError(
        `send("${pattern}"): a request needs a durable envelope route (its reply address travels in the headers)`,
      );
    }
    const headers = requestHeaders(withTraceHeaders(this.defaultHeaders, record?.options.headers), {
      replyTo: this.inbox.stream, // the same name for every inbox of this instance
      correlationId: call.correlationId,
      deadline: call.deadline,
    });
    const fields = encodeEntry(
      route,
      pattern,
      record ? record.data : packet.data,
      { eventId: record?.options.eventId, headers, fields: record?.options.fields, explicit: true },
      this.options,
    );
    const inbox = this.inbox; // close() replaces it: this request belongs to the one it started with
    const connection = this.connection ?? (await this.connect());
    if (!call.isOpen()) {
      return false; // ended meanwhile (cancelled, timed out, or the client closed): nothing is written
    }
    await inbox.open();
    if (!call.isOpen()) {
      return false;
    }
    try {
      await connection.xadd(route.stream, '*', ...fields);
    } catch (error) {
      throw new RedisCommandError(
        `XADD of a request to ${route.stream} failed: ${describeError(error)}`,
        redisErrorCode(error),
      );
    }
    return true;
  }

  private newInbox(): ReplyInbox {
    return new ReplyInbox({
      commands: () => this.connection ?? this.connect(),
      openBlocking: async () => {
        const blocking = createRedisConnection(this.options, {
          maxRetriesPerRequest: null,
          enableAutoPipelining: false,
        });
        blocking.on('error', (error: unknown) =>
          this.logger.debug(`redis (replies): ${describeError(error)}`),
        );
        await connectRedis(blocking);
        return blocking;
      },
      stream: StreamKeys.replyStream(this.options.instanceId),
      ttlMs: this.options.replyStreamTtlMs,
      blockMs: REPLY_READ_BLOCK_MS,
      maxDepth: this.options.maxDepth,
      logger: this.logger,
      onUnclaimed: () => this.calls.unclaimed(),
    });
  }

  /** Opens a command connection (the main one, auto-pipelined, unless `overrides` say otherwise). */
  private async open(overrides: { enableAutoPipelining?: boolean } = {}): Promise<RedisConnection> {
    const main = overrides.enableAutoPipelining !== false;
    const connection = createRedisConnection(this.options, {
      enableAutoPipelining: true,
      maxRetriesPerRequest: this.options.maxRetriesPerRequest,
      ...overrides,
    });
    defineClientScripts(connection); // before any command: see defineClientScripts
    connection.on('error', (error: unknown) => {
      const safe = new RedisStreamsError(`redis: ${describeError(error)}`);
      this.logger.debug(safe.message);
      this.events.emit('error', safe);
    });
    if (main) {
      connection.on('ready', () => this._status$.next('connected'));
      connection.on('reconnecting', () => this._status$.next('reconnecting'));
    }
    try {
      await connectRedis(connection);
    } catch (error) {
      if (main) {
        this.connecting = undefined;
      }
      connection.disconnect();
      throw cannotConnectError(this.options.url, error);
    }
    if (main) {
      this.connection = connection;
    }
    return connection;
  }
}
