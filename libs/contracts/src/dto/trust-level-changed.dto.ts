import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { SeedEventMetadataDto } from './seed-event-metadata.dto';

/** The trust levels an action can have (inferred from seed 002's `trust.level.changed`). */
export const TRUST_LEVELS = ['auto', 'propose', 'blocked'] as const;

/** One of {@link TRUST_LEVELS}. */
export type TrustLevel = (typeof TRUST_LEVELS)[number];

/** Payload of `trust.level.changed` (seed 002 names the event, not its fields: these are inferred). */
export class TrustLevelChangedDto extends SeedEventMetadataDto {
  /** The module whose action changed level. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  module!: string;

  /** The action whose trust level changed. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  action!: string;

  /** The level before the change. */
  @IsOptional()
  @IsIn(TRUST_LEVELS, { message: `old_level must be one of: ${TRUST_LEVELS.join(', ')}` })
  old_level?: TrustLevel;

  /** The level now. */
  @IsIn(TRUST_LEVELS, { message: `new_level must be one of: ${TRUST_LEVELS.join(', ')}` })
  new_level!: TrustLevel;

  /** Why it changed. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  reason?: string;
}
