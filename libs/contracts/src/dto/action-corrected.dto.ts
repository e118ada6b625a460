import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MaxUtf8Bytes } from '../validators/max-utf8-bytes.decorator';
import { SeedEventMetadataDto } from './seed-event-metadata.dto';

/** Payload of `action.corrected` (seed 002 names the event, not its fields: these are inferred). */
export class ActionCorrectedDto extends SeedEventMetadataDto {
  /** The corrected action's id. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  action_id!: string;

  /** The correction (at most 4 KiB in UTF-8). */
  @IsString()
  @IsNotEmpty()
  @MaxUtf8Bytes(4096)
  correction!: string;

  /** The module the action belongs to. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  module?: string;

  /** Who corrected it. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  corrected_by?: string;
}
