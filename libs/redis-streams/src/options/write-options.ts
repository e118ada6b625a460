import { InvalidOptionsError } from '../errors/redis-streams.error';
import { encodeExtraDefault, reservedFieldName } from '../wire/extra-fields';
import type { EntryCodec } from './routing-options';

/**
 * How producers write a route's entries (the counterpart of {@link EntryCodec}).
 * - `envelope`: this library's wire format (`type`, `data` JSON, `event_id`, `timestamp`, `headers`), plus the
 *   route's {@link ExtraFieldSpec extra fields}.
 * - `flat`: every payload key is its own field (strings as written, numbers and booleans as text, objects and arrays
 *   as JSON); the stream's pattern is implied (`type` is written only on a shared stream). No event id, no headers.
 */
export type WriteCodec = 'envelope' | 'flat';

/** A JSON value, as an extra field's default. */
export type ExtraFieldValue =
  | string
  | number
  | boolean
  | null
  | ExtraFieldValue[]
  | { [key: string]: ExtraFieldValue };

/**
 * One field an `envelope` route writes beside the envelope, always present (seed 000's `job_id`, `metadata`). Its
 * value is, in this order: the event's `RedisStreamsRecord` option `fields[field]`, the payload's `fromPayload` key,
 * `default`. `null` and `undefined` count as absent.
 */
export interface ExtraFieldSpec {
  /** The field's name in the entry (`job_id`). Not an envelope field, not a dead-letter or retry-lane field. */
  field: string;
  /** Payload key the value is taken from (`jobId`), when the payload is an object. */
  fromPayload?: string;
  /**
   * `text` (default): a string as written, numbers and booleans as text, objects and arrays as JSON.
   * `json`: always JSON (`{}`, `"a"`, `1`), so a reader can `json.loads` it.
   */
  format?: 'text' | 'json';
  /** Written when nothing else gives a value. Default `''` for `text`, `{}` for `json`. */
  default?: ExtraFieldValue;
}

/** An extra field with its defaults filled in; `defaultText` is the default already encoded. */
export interface ResolvedExtraField {
  field: string;
  fromPayload: string | undefined;
  format: 'text' | 'json';
  defaultText: string;
}

/** The write side of a route, validated. */
export interface ResolvedWriteOptions {
  writeCodec: WriteCodec;
  extraFields: readonly ResolvedExtraField[];
}

/** What {@link resolveWriteOptions} reads of a route. */
export interface WriteOptionsInput {
  codec?: EntryCodec;
  writeCodec?: WriteCodec;
  extraFields?: ExtraFieldSpec[];
}

/**
 * Validates a route's write options and fills their defaults: `writeCodec` defaults to `flat` on a route read `flat`,
 * else `envelope`. A write codec its own readers could not read back is refused (routes are shared by producers and
 * consumers): `flat` needs `codec` `flat` or `auto`, `envelope` needs `envelope` or `auto`.
 */
export function resolveWriteOptions(
  route: WriteOptionsInput,
  at: string,
  codec: EntryCodec,
): ResolvedWriteOptions {
  const writeCodec = route.writeCodec ?? (codec === 'flat' ? 'flat' : 'envelope');
  if (writeCodec !== 'envelope' && writeCodec !== 'flat') {
    throw new InvalidOptionsError(`${at}.writeCodec must be envelope or flat`);
  }
  if (writeCodec === 'flat' && codec === 'envelope') {
    throw new InvalidOptionsError(
      `${at}: writeCodec flat needs codec flat or auto (consumers reading envelope would dead-letter flat entries)`,
    );
  }
  if (writeCodec === 'envelope' && codec === 'flat') {
    throw new InvalidOptionsError(
      `${at}: writeCodec envelope needs codec envelope or auto (consumers reading flat would take the envelope for the payload)`,
    );
  }
  const specs = route.extraFields ?? [];
  if (!Array.isArray(specs)) {
    throw new InvalidOptionsError(`${at}.extraFields must be an array`);
  }
  if (specs.length > 0 && writeCodec !== 'envelope') {
    throw new InvalidOptionsError(
      `${at}.extraFields need writeCodec envelope (a flat entry is the payload only)`,
    );
  }
  const seen = new Set<string>();
  const extraFields = specs.map((spec, index) => {
    const where = `${at}.extraFields[${index}]`;
    const resolved = resolveExtraField(spec, where);
    if (seen.has(resolved.field)) {
      throw new InvalidOptionsError(`${where}: field "${resolved.field}" is listed twice`);
    }
    seen.add(resolved.field);
    return resolved;
  });
  return { writeCodec, extraFields };
}

function resolveExtraField(spec: ExtraFieldSpec, where: string): ResolvedExtraField {
  if (!spec || typeof spec.field !== 'string' || spec.field.length === 0) {
    throw new InvalidOptionsError(`${where}.field must be a non-empty string`);
  }
  const reserved = reservedFieldName(spec.field);
  if (reserved) {
    throw new InvalidOptionsError(`${where}.field "${spec.field}" ${reserved}`);
  }
  if (spec.fromPayload !== undefined && (typeof spec.fromPayload !== 'string' || spec.fromPayload === '')) {
    throw new InvalidOptionsError(`${where}.fromPayload must be a non-empty string`);
  }
  const format = spec.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new InvalidOptionsError(`${where}.format must be text or json`);
  }
  let defaultText: string;
  try {
    defaultText = encodeExtraDefault(format, spec.default);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'cannot be encoded';
    throw new InvalidOptionsError(`${where}.default: ${why}`);
  }
  return { field: spec.field, fromPayload: spec.fromPayload, format, defaultText };
}
