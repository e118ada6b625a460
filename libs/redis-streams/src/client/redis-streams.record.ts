/** Per-event options for {@link RedisStreamsRecord}. */
export interface RedisStreamsRecordOptions {
  /** Written as `event_id`. Default: the `idempotencyKey` when given, else a new UUID. Consumers dedupe on it. */
  eventId?: string;
  /**
   * Makes the emit idempotent: emits with the same key to the same stream within the window write one entry, and
   * each resolves with that first entry's id (one Lua step: the marker and the XADD). Also the default `eventId`.
   * A non-empty string of at most 512 characters; refused on `flat` and informational (`durable: false`) routes.
   */
  idempotencyKey?: string;
  /** How long the key is remembered (ms, from the first write). Default: the client's `idempotencyWindowMs` (24 h). */
  idempotencyWindowMs?: number;
  /** Headers merged over the client's defaults (`source`). Values must be strings. */
  headers?: Record<string, string>;
  /**
   * Values of the route's extra fields (`extraFields` of an `envelope` route), by field name: they win over the
   * payload key the field names. A name the route does not declare is refused, as are all three options on a `flat`
   * route (it has no field for them).
   */
  fields?: Record<string, unknown>;
  /** `send()` only: how long this call waits for its answer (ms), instead of the client's `requestTimeoutMs`. */
  timeoutMs?: number;
  /**
   * Time-to-live of this event (ms), over the route's `ttlMs`: written as the `expires_at` header (`timestamp` +
   * `ttlMs`); a consumer that gets it later does not handle it (route option `onExpired`). An integer from 1 to 365
   * days; refused on a `flat` or informational route.
   */
  ttlMs?: number;
}

/**
 * Wraps a payload with per-event options:
 * `client.emit('order.created', new RedisStreamsRecord(order, { eventId: order.id }))`.
 */
export class RedisStreamsRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options: RedisStreamsRecordOptions = {},
  ) {}
}
