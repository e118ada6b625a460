import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsBoolean,
  IsISO8601,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
// Deep import until the library's admin entry point exports the entry-id grammar.
import { isCompleteEntryId } from '@app/redis-streams/admin';

/** A whole stream entry id (`<ms>-<seq>`), by the library's own grammar. */
function IsEntryId(options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEntryId',
      validator: { validate: (value: unknown) => typeof value === 'string' && isCompleteEntryId(value) },
    },
    options,
  );
}

/** Conditions shared by listing, redrive and purge. */
export class DeadLetterFilterDto {
  /** The source stream (one of the topology's). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(512)
  stream!: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  group?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  reason?: string;

  @IsOptional()
  @IsString()
  @MaxLength(256)
  pattern?: string;

  /** ISO-8601: dead-lettered at or after. */
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  /** ISO-8601: dead-lettered at or before. */
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

/** `GET /dlq` query. */
export class ListDeadLettersQuery extends DeadLetterFilterDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Paging: records after this dead-letter id. */
  @IsOptional()
  @IsEntryId({ message: 'after must be an entry id (<ms>-<seq>)' })
  after?: string;
}

/** Selection of a redrive or purge: ids, a filter, or `all`. */
export class DeadLetterSelectionDto extends DeadLetterFilterDto {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsEntryId({ each: true, message: 'ids must be dead-letter entry ids (<ms>-<seq>)' })
  ids?: string[];

  @IsOptional()
  @IsBoolean()
  all?: boolean;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  limit?: number;

  /** Recorded in the dead-letter log with the request's address. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  by?: string;
}

/** `POST /dlq/redrive` body. */
export class RedriveDeadLettersDto extends DeadLetterSelectionDto {
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  /** Most redrives per second (default 100; 0 = unlimited). */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100_000)
  ratePerSecond?: number;
}

/** `POST /dlq/purge` body: `confirm` must be true. */
export class PurgeDeadLettersDto extends DeadLetterSelectionDto {
  @Equals(true, { message: 'confirm must be true: purging deletes dead letters for good' })
  confirm!: boolean;
}
