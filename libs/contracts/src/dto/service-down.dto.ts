import { IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { SeedEventMetadataDto } from './seed-event-metadata.dto';

/** Payload of `service.down` (seed 002 names the event, not its fields: these are inferred). */
export class ServiceDownDto extends SeedEventMetadataDto {
  /** The service that stopped answering. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  service!: string;

  /** Why it is considered down. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  reason?: string;

  /** When it was detected (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  detected_at?: string;
}
