import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MaxUtf8Bytes } from '../validators/max-utf8-bytes.decorator';
import { SeedEventMetadataDto } from './seed-event-metadata.dto';

/** Payload of `pipeline.error` (seed 002 names the event, not its fields: these are inferred). */
export class PipelineErrorDto extends SeedEventMetadataDto {
  /** The pipeline that failed. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  pipeline!: string;

  /** What went wrong (at most 4 KiB in UTF-8). */
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(4096)
  error!: string;

  /** The step that failed. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  stage?: string;

  /** Whether trying again may help. */
  @IsOptional()
  @IsBoolean()
  retryable?: boolean;
}
