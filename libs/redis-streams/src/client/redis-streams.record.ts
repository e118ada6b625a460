/** Per-event options for {@link RedisStreamsRecord}. */
export interface RedisStreamsRecordOptions {
  /** Idempotency key written as `event_id`. Default: a new UUID. Consumers dedupe on it. */
  eventId?: string;
  /** Headers merged over the client's defaults (`source`). Values must be strings. */
  headers?: Record<string, string>;
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
