import { IsBoolean, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { SeedEventMetadataDto } from './seed-event-metadata.dto';

/**
 * Payload of `email.received` (seed 002: the n8n workflow and the Python producer send exactly these four keys).
 * Validated with `whitelist` + `forbidNonWhitelisted`: any other key (but `metadata`) is refused.
 */
export class EmailReceivedDto extends SeedEventMetadataDto {
  /** The mail's id in the mail system. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  email_id!: string;

  /** The category the classifier gave it (`medical`, …). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  category!: string;

  /** Its priority (`high`, …). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  priority!: string;

  /** Whether the mail has attachments (a JSON boolean, not `"true"`). */
  @IsBoolean()
  has_attachments!: boolean;
}
