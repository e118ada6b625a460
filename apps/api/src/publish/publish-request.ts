/** A validated publish request: an allowed event type, its stream, a payload its DTO accepts. */
export interface PublishRequest {
  type: string;
  stream: string;
  /** The payload as sent (a JSON object that passed the type's DTO with `forbidNonWhitelisted`). */
  payload: Record<string, unknown>;
  /** The caller's idempotency key, if any. */
  eventId: string | undefined;
}
