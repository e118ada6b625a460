import type { CircuitOpenCause, CircuitState } from './circuit-breaker';

/** Connection state of a server, as seen by the read loop. */
export type RedisStreamsStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/**
 * A handler that failed. Its entry is then scheduled for a retry in the group's retry lane (a `retried` event), or
 * dead-lettered (`dead-lettered`) after `maxDeliveries` or at once for a permanent failure.
 */
export interface HandlerFailure {
  stream: string;
  id: string;
  pattern: string;
  deliveryCount: number;
  error: unknown;
  /** How the failure was classified (`handler-error`, `timeout`, `validation`, `unrecoverable`). */
  reason: string;
  /** How long the handler ran before it failed (ms). */
  durationMs: number;
}

/** A handler that finished successfully. */
export interface HandledEntry {
  stream: string;
  id: string;
  pattern: string;
  /** How long the handler ran (ms). */
  durationMs: number;
}

/** A failed delivery scheduled for a retry in the group's own retry lane. */
export interface RetriedEntry {
  stream: string;
  id: string;
  /** The event's pattern, when known. */
  pattern: string | undefined;
  /** Delay until the retry is due (ms). */
  delayMs: number;
  /** The delivery that failed (the retry will be delivery `deliveryCount + 1`). */
  deliveryCount: number;
}

/** An entry that could not be decoded or routed. */
export interface RejectedEntry {
  stream: string;
  id: string;
  reason: string;
}

/** An entry moved to the dead-letter stream. */
export interface DeadLetteredEntry {
  stream: string;
  id: string;
  deadLetterId: string;
  reason: string;
  /** The group that dead-lettered it. */
  group: string;
  /** The event's type, when it could be decoded (for `no-handler`: a type nobody here handles). */
  pattern: string | undefined;
}

/** A delivery held back by its handler's open circuit: rescheduled in the group's retry lane, no delivery counted. */
export interface DeferredEntry {
  stream: string;
  id: string;
  /** The event's pattern. */
  pattern: string | undefined;
  /** The circuit: the handler's pattern as declared (`orders.*` for a wildcard handler). */
  circuit: string;
  /** Delay until it comes back (ms): the circuit's next probe time, plus jitter. */
  delayMs: number;
}

/** A handler's circuit, as health and metrics report it. */
export interface CircuitStatus {
  stream: string;
  group: string;
  /** The handler's pattern as declared. */
  pattern: string;
  state: CircuitState;
  /** The open time in force (ms): the last one used, doubled by each failed probe up to `maxOpenMs`. */
  openMs: number;
  /** Times it opened since the server started. */
  opened: number;
  /** While open: when the first probe may run (ISO-8601). */
  retryAt?: string;
}

/** A circuit opened: the handler's deliveries are deferred. */
export interface CircuitOpenedEvent {
  stream: string;
  group: string;
  /** The handler's pattern as declared. */
  pattern: string;
  /** `consecutive-failures`, `failure-ratio`, `probe-failed`, or `probe-stalled` (a probe ran past `maxOpenMs`). */
  cause: CircuitOpenCause;
  /** How long it stays open before the next probe (ms). */
  openMs: number;
}

/** A circuit closed after successful probes: the handler's deliveries flow again. */
export interface CircuitClosedEvent {
  stream: string;
  group: string;
  pattern: string;
  /** How long it was open or half-open (ms). */
  openForMs: number;
}

/** An entry delivered after its `expires_at` header: not handled, acknowledged or dead-lettered (`onExpired`). */
export interface ExpiredEntry {
  stream: string;
  id: string;
  pattern: string;
  /** The entry's expiry (ISO-8601, as written by its producer). */
  expiresAt: string;
  /** What was done with it. */
  action: 'ack' | 'dead-letter';
}

/**
 * A delivery of an idempotent handler acknowledged as a duplicate: its event was handled by this group already.
 * `before-handler`: the marker was found before running (the handler did not run); `at-commit`: another delivery of
 * the same event committed while this one ran (it ran, its effects were discarded).
 */
export interface DuplicateSkippedEntry {
  stream: string;
  /** The entry's id in the stream. */
  id: string;
  pattern: string;
  /** The event id it was deduplicated on (undefined: the entry had none, its entry id was used). */
  eventId: string | undefined;
  stage: 'before-handler' | 'at-commit';
}

/** Events a server emits, subscribed to with `server.on(event, callback)`. */
export type RedisStreamsServerEvents = {
  /** A Redis connection error (message only; ioredis errors' arguments are stripped). */
  error: (error: Error) => void;
  /** A handler failed (threw, rejected, or its Observable errored). */
  'handler-failed': (failure: HandlerFailure) => void;
  /** An entry could not be decoded, or has a pattern nobody here handles on a single-pattern stream. */
  rejected: (entry: RejectedEntry) => void;
  /** An entry was moved to the dead-letter stream. */
  'dead-lettered': (entry: DeadLetteredEntry) => void;
  /** A handler finished successfully (its entry is then acknowledged, unless autoAck is off). */
  handled: (entry: HandledEntry) => void;
  /** A failed delivery was scheduled for a retry (by the transport, or by the handler's `ctx.retry()`). */
  retried: (entry: RetriedEntry) => void;
  /** A delivery was held back by its handler's open circuit (deferred, not a failure nor a retry). */
  deferred: (entry: DeferredEntry) => void;
  /** A handler's circuit opened (see `circuitBreaker` in the delivery policy). */
  'circuit-opened': (event: CircuitOpenedEvent) => void;
  /** A handler's circuit closed again. */
  'circuit-closed': (event: CircuitClosedEvent) => void;
  /** An entry was delivered after its expiry (message TTL): not handled. */
  expired: (entry: ExpiredEntry) => void;
  /** An idempotent handler's delivery was acknowledged as a duplicate (see {@link DuplicateSkippedEntry}). */
  'duplicate-skipped': (entry: DuplicateSkippedEntry) => void;
};

/** Counters since the server started. */
export interface RedisStreamsServerStats {
  /** Entries handed to the dispatcher. */
  received: number;
  /** Handlers that finished successfully. */
  handled: number;
  /** Handlers that failed (then retried or dead-lettered). */
  failed: number;
  /** Failed deliveries scheduled for a retry in this group's retry lane. */
  retried: number;
  /** Entries moved to the dead-letter stream. */
  deadLettered: number;
  /** Entries acknowledged (XACK returned 1). */
  acked: number;
  /** XACKs that returned 0: another consumer had already acknowledged the entry (it ran twice). */
  processedTwice: number;
  /** Entries of patterns this service does not handle on a shared stream: acked, not handled. */
  skipped: number;
  /** Deliveries of idempotent handlers acknowledged as duplicates of an event this group handled already. */
  duplicatesSkipped: number;
  /** Entries that could not be decoded or had no handler on a single-pattern stream (dead-lettered). */
  rejected: number;
  /** Entries deleted from the stream while pending (removed from the PEL). */
  deletedWhilePending: number;
  /** Entries taken over from idle consumers (XAUTOCLAIM). */
  reclaimed: number;
  /** Entries held here that another consumer took over while this one still worked on them (each counted once). */
  leasesLost: number;
  /** Handlers that ended after their `handlerTimeoutMs` had settled the delivery (their result was ignored). */
  lateResults: number;
  /** 1 once another process took this consumer's name while it stalled: it then stopped consuming for good. */
  consumerNameLost: number;
  /** Unfinished entries made claimable for peers at shutdown. */
  handedOver: number;
  /** Deliveries held back by an open circuit (rescheduled without counting a delivery). */
  deferred: number;
  /** Times a handler's circuit opened (reopenings after a failed probe included). */
  circuitsOpened: number;
  /** Entries delivered after their expiry (message TTL): not handled; acknowledged or dead-lettered (`onExpired`). */
  expired: number;
  /** Informational (pub/sub, `durable: false`) messages received. */
  informationalReceived: number;
  /** Informational messages whose handler finished successfully. */
  informationalHandled: number;
  /** Informational messages whose handler failed, or that could not be decoded or had no handler (not retried). */
  informationalFailed: number;
  /** Informational messages dropped because `concurrency` handlers were already running (at most once). */
  informationalDropped: number;
  /** Replies written to callers' reply streams (`@MessagePattern` handlers; an Observable's values count each). */
  repliesSent: number;
  /** Replies not written because the caller's reply stream is gone (the caller closed or died). */
  repliesDropped: number;
  /** Requests acknowledged without running their handler: their caller had stopped waiting (deadline passed). */
  requestsExpired: number;
  /** Entries held now: read and not yet settled (waiting for a handler slot, or running). */
  inFlight: number;
  /** Handlers running now (never more than `concurrency`; a timed-out handler counts until it ends). */
  running: number;
  /** Successful entries waiting for their XACK. */
  pendingAcks: number;
}
