import { InvalidEventError } from '../errors/redis-streams.error';
import { jsonDepthExceeds } from './safe-json';

/** Caps every written field value obeys (what consumers accept by default). */
export interface FieldValueLimits {
  /** Largest value, in bytes. */
  maxPayloadBytes: number;
  /** Deepest JSON nesting. */
  maxDepth: number;
}

/**
 * A value as JSON text, within the caps. Throws {@link InvalidEventError} naming `what` (never the value) for a value
 * JSON cannot represent (BigInt, a cycle, undefined), one over the size cap or nested too deep.
 */
export function jsonFieldText(what: string, value: unknown, limits: FieldValueLimits): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'unserialisable';
    throw new InvalidEventError(`${what} cannot be serialised as JSON: ${why}`, { cause: error });
  }
  if (json === undefined) {
    throw new InvalidEventError(`${what} cannot be serialised as JSON (got ${typeof value})`);
  }
  if (jsonDepthExceeds(json, limits.maxDepth)) {
    throw new InvalidEventError(`${what} is nested deeper than ${limits.maxDepth}`);
  }
  return withinSize(what, json, limits);
}

/**
 * A value as the text of a flat field, the way the seed's Python producers write them (`json.dumps` for dicts and
 * lists, `str` otherwise): a string as written, a number or boolean as text, a Date as ISO-8601, an object or array
 * as JSON, `null` as `''`. Throws {@link InvalidEventError} for a BigInt, a function, a symbol, or a value over the caps.
 */
export function textFieldText(what: string, value: unknown, limits: FieldValueLimits): string {
  switch (typeof value) {
    case 'string':
      return withinSize(what, value, limits);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      if (value === null) {
        return '';
      }
      if (value instanceof Date) {
        return value.toISOString();
      }
      return jsonFieldText(what, value, limits);
    default:
      throw new InvalidEventError(`${what} cannot be written as a field (got ${typeof value})`);
  }
}

function withinSize(what: string, text: string, limits: FieldValueLimits): string {
  // Cheap bound first: a UTF-8 byte is at most 3 per UTF-16 unit.
  if (text.length * 3 > limits.maxPayloadBytes) {
    const bytes = Buffer.byteLength(text);
    if (bytes > limits.maxPayloadBytes) {
      throw new InvalidEventError(`${what} is ${bytes} bytes, over the ${limits.maxPayloadBytes}-byte limit`);
    }
  }
  return text;
}
