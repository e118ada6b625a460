import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { SeedEventMetadataDto } from './seed-event-metadata.dto';

/** Payload of `action.validated` (seed 002 names the event, not its fields: these are inferred). */
export class ActionValidatedDto extends SeedEventMetadataDto {
  /** The validated action's id. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  action_id!: string;

  /** True when the action was approved, false when it was rejected. */
  @IsBoolean()
  approved!: boolean;

  /** The module the action belongs to. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  module?: string;

  /** Who validated it. */
  @IsOptional()
  @IsString()
  @MaxLength(128)
  validated_by?: string;
}
