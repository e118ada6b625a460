import { IsIn, IsObject, IsOptional, IsString, IsUrl, Matches } from 'class-validator';
import { MAX_CONTENT_BYTES } from '../limits';
import { SOURCE_TYPES, SourceType } from '../source-types';
import { MaxUtf8Bytes } from '../validators/max-utf8-bytes.decorator';

/**
 * Body of `POST /ingestions`. Validated with `ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })`,
 * so any other property is refused.
 */
export class CreateIngestionDto {
  /**
   * Where the content comes from: an absolute http(s)/ftp URL. Hosts without a top-level domain are allowed
   * (internal names such as `hx-orchestrator-server`).
   */
  @IsUrl({ require_protocol: true, require_tld: false }, { message: 'sourceUri must be an absolute URL' })
  sourceUri!: string;

  /** One of {@link SOURCE_TYPES}. */
  @IsIn(SOURCE_TYPES, { message: `sourceType must be one of: ${SOURCE_TYPES.join(', ')}` })
  sourceType!: SourceType;

  /** The text to ingest: not blank, at most {@link MAX_CONTENT_BYTES} bytes in UTF-8. */
  @IsString()
  @Matches(/\S/, { message: 'content must not be empty or blank' })
  @MaxUtf8Bytes(MAX_CONTENT_BYTES)
  content!: string;

  /** Free-form properties passed along with the job (a JSON object, not an array). */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}
