import { IsObject, IsOptional } from 'class-validator';

/**
 * Base of the seed-002 event DTOs: every event may carry free-form `metadata` (a JSON object, as in seed 000's
 * entries). Every other property must be declared by the concrete DTO (validated with `forbidNonWhitelisted`).
 */
export abstract class SeedEventMetadataDto {
  /** Free-form properties passed along with the event (a JSON object, not an array). */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}
