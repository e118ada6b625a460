import { IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { SeedEventMetadataDto } from './seed-event-metadata.dto';

/**
 * Payload of `document.processed` (seed 002 names the event, not its fields: these are inferred and kept small;
 * extra facts go in `metadata`).
 */
export class DocumentProcessedDto extends SeedEventMetadataDto {
  /** The processed document's id. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  document_id!: string;

  /** Where the document came from (a URI, a mailbox, …). */
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  source?: string;

  /** Number of chunks it was split into. */
  @IsOptional()
  @IsInt()
  @Min(0)
  chunk_count?: number;
}
