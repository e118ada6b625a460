import { InvalidEventError } from '../errors/redis-streams.error';
import type { ResolvedExtraField } from '../options/write-options';
import { DEAD_LETTER_FIELD_PREFIX, DEAD_LETTER_LOG_FIELDS } from './dead-letter-fields';
import { ENVELOPE_FIELD_NAMES } from './envelope';
import { FieldValueLimits, jsonFieldText, textFieldText } from './field-value';
import { LANE_FIELDS } from './lane-fields';

const LANE_FIELD_NAMES: ReadonlySet<string> = new Set(Object.values(LANE_FIELDS));
const DEAD_LETTER_LOG_FIELD_NAMES: ReadonlySet<string> = new Set(Object.values(DEAD_LETTER_LOG_FIELDS));

/**
 * Why `name` cannot be an extra field (a name the transport writes or reads itself), or undefined when it can.
 * Also refuses names the consumer would dead-letter as prototype pollution.
 */
export function reservedFieldName(name: string): string | undefined {
  if (ENVELOPE_FIELD_NAMES.has(name)) {
    return 'is an envelope field';
  }
  if (name.startsWith(DEAD_LETTER_FIELD_PREFIX) || DEAD_LETTER_LOG_FIELD_NAMES.has(name)) {
    return 'is reserved for dead-letter records';
  }
  if (LANE_FIELD_NAMES.has(name)) {
    return 'is reserved for retry lanes';
  }
  if (name === '__proto__' || name === 'constructor' || name === 'prototype') {
    return 'is refused by consumers (prototype pollution)';
  }
  return undefined;
}

/** An extra field's default as written (`{}` for `json` when none is given, `''` for `text`). Throws when it cannot be. */
export function encodeExtraDefault(format: 'text' | 'json', value: unknown): string {
  const limits = { maxPayloadBytes: 64 * 1024, maxDepth: 64 };
  if (value === undefined) {
    return format === 'json' ? '{}' : '';
  }
  return format === 'json'
    ? jsonFieldText('the default', value, limits)
    : textFieldText('the default', value, limits);
}

/**
 * The extra fields of one envelope entry (name, value, …), every declared field present. Each value comes from the
 * record's `fields` first, then the payload's `fromPayload` key, then the default. A record naming a field the route
 * does not declare is refused ({@link InvalidEventError}): it would be written on some routes and not others.
 */
export function encodeExtraFields(
  specs: readonly ResolvedExtraField[],
  data: unknown,
  recordFields: Readonly<Record<string, unknown>> | undefined,
  limits: FieldValueLimits,
): string[] {
  if (recordFields) {
    for (const name of Object.keys(recordFields)) {
      if (!specs.some((spec) => spec.field === name)) {
        throw new InvalidEventError(
          `the record sets field "${name.slice(0, 64)}", which its route does not declare`,
        );
      }
    }
  }
  const payload = data !== null && typeof data === 'object' && !Array.isArray(data) ? data : undefined;
  const fields: string[] = [];
  for (const spec of specs) {
    let value: unknown = recordFields?.[spec.field];
    if ((value === undefined || value === null) && payload && spec.fromPayload !== undefined) {
      value = Object.prototype.hasOwnProperty.call(payload, spec.fromPayload)
        ? (payload as Record<string, unknown>)[spec.fromPayload]
        : undefined;
    }
    const what = `extra field "${spec.field}"`;
    const text =
      value === undefined || value === null
        ? spec.defaultText
        : spec.format === 'json'
          ? jsonFieldText(what, value, limits)
          : textFieldText(what, value, limits);
    fields.push(spec.field, text);
  }
  return fields;
}
