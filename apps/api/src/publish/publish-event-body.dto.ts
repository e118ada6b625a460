import { IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Longest `event_id` accepted. */
export const MAX_EVENT_ID_LENGTH = 200;

/**
 * Body of `POST /api/v1/events/publish`: `{ stream | type, payload, event_id? }`. At least one of `stream` and
 * `type` (both: they must agree); `payload` is validated against the DTO of the event type afterwards.
 */
export class PublishEventBodyDto {
  /** The stream to write to (seed 002's n8n workflow names the stream: `email.received`). */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  stream?: string;

  /** The event type (pattern), e.g. `email.received`. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  type?: string;

  /** The event's payload: a JSON object. */
  @IsObject({ message: 'payload must be a JSON object' })
  payload!: Record<string, unknown>;

  /**
   * Idempotency key, written as the entry's `event_id`: a repeat within the window answers the first entry's id.
   * Printable ASCII without spaces, at most {@link MAX_EVENT_ID_LENGTH} characters.
   */
  @IsOptional()
  @IsString()
  @Matches(new RegExp(`^[\\x21-\\x7e]{1,${MAX_EVENT_ID_LENGTH}}$`), {
    message: `event_id must be 1 to ${MAX_EVENT_ID_LENGTH} printable ASCII characters without spaces`,
  })
  event_id?: string;
}
