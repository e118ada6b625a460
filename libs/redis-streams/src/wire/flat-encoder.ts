import { InvalidEventError } from '../errors/redis-streams.error';
import { ENVELOPE_FIELDS } from './envelope';
import { MAX_FIELD_NAME_BYTES } from './entry-fields';
import { FieldValueLimits, textFieldText } from './field-value';

/** What the flat encoder needs to know of the route. */
export interface FlatRoute {
  /** A shared stream: the entry names its pattern in `type` (written first). */
  shared: boolean;
  /** The route is read with `auto`: an entry with a `data` field would be read as an envelope. */
  readAuto: boolean;
}

const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Builds the field/value list of one flat XADD (seed 002, the seed's task layout): every own key of the payload is a
 * field, in key order (see `textFieldText` for values); keys whose value is `undefined` are left out, as JSON does.
 * The pattern is the stream's (`type` is written only on a shared stream). Throws {@link InvalidEventError} and writes
 * nothing for a payload that is not a plain object, has no field, or has a field its readers would refuse or misread.
 */
export function encodeFlat(
  pattern: string,
  data: unknown,
  route: FlatRoute,
  limits: FieldValueLimits,
): string[] {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new InvalidEventError('pattern must be a non-empty string');
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    throw new InvalidEventError(`payload of "${pattern}" must be an object to be written flat`);
  }
  const fields: string[] = route.shared ? [ENVELOPE_FIELDS.type, pattern] : [];
  for (const [name, value] of Object.entries(data)) {
    if (value === undefined) {
      continue;
    }
    checkName(pattern, name, route);
    fields.push(name, textFieldText(`field "${name}" of "${pattern}"`, value, limits));
  }
  if (fields.length === (route.shared ? 2 : 0)) {
    throw new InvalidEventError(`payload of "${pattern}" has no field to write`);
  }
  return fields;
}

function checkName(pattern: string, name: string, route: FlatRoute): void {
  if (name.length === 0) {
    throw new InvalidEventError(`payload of "${pattern}" has an empty key`);
  }
  if (FORBIDDEN_NAMES.has(name)) {
    throw new InvalidEventError(`payload of "${pattern}" has key "${name}", which consumers refuse`);
  }
  if (Buffer.byteLength(name) > MAX_FIELD_NAME_BYTES) {
    throw new InvalidEventError(`payload of "${pattern}" has a key over ${MAX_FIELD_NAME_BYTES} bytes`);
  }
  if (route.shared && name === ENVELOPE_FIELDS.type) {
    throw new InvalidEventError(
      `payload of "${pattern}" has key "type", which names the pattern on a shared stream`,
    );
  }
  if (route.readAuto && name === ENVELOPE_FIELDS.data) {
    throw new InvalidEventError(
      `payload of "${pattern}" has key "data": its route is read with codec auto, which would take it for an envelope`,
    );
  }
}
