import { redactUrl } from '@app/redis-streams/options/connection-options';
import { REDIS_URL_SCHEMES, isRedisUrl } from '@app/redis-streams/redis/redis-url';

/**
 * One environment variable of an app: its name, what it means, its default as the README shows it, and how its text
 * becomes a typed value. Unset, empty and blank count as unset (the default applies), as the apps always did.
 */
export interface EnvVariable<T> {
  /** The variable's name, e.g. `CONSUMER_CONCURRENCY`. */
  readonly name: string;
  /** What it sets, one line (the README table's "meaning"). */
  readonly description: string;
  /** The default as documented, e.g. `128` or `unset (not checked)`. */
  readonly defaultText: string;
  /** The typed value of `text` (`undefined` = unset); throws {@link EnvVariableError} naming the variable. */
  read(text: string | undefined): T;
}

/** A value that is set but invalid; the message names the variable, the rule and the value given. */
export class EnvVariableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvVariableError';
  }
}

/** What a documented variable says about itself. */
export interface EnvVariableInfo {
  /** See {@link EnvVariable.description}. */
  description: string;
}

/** Bounds of an integer variable (inclusive). */
export interface IntegerBounds extends EnvVariableInfo {
  min: number;
  max: number;
}

/** The longest part of a bad value quoted in an error: enough to recognise it, never a whole secret or file. */
const QUOTED_CHARS = 40;

function given(text: string): string {
  return `"${text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS)}…` : text}"`;
}

function unset(text: string | undefined): text is undefined {
  return text === undefined || text.trim() === '';
}

function integerOf(name: string, text: string, bounds: IntegerBounds): number {
  const trimmed = text.trim();
  const value = /^-?\d+$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new EnvVariableError(
      `${name} must be an integer from ${bounds.min} to ${bounds.max}, got ${given(trimmed)}`,
    );
  }
  return value;
}

/** An integer within `min`..`max`; `fallback` when unset. */
export function integerVariable(name: string, fallback: number, bounds: IntegerBounds): EnvVariable<number> {
  return {
    name,
    description: bounds.description,
    defaultText: String(fallback),
    read: (text) => (unset(text) ? fallback : integerOf(name, text, bounds)),
  };
}

/** An integer within `min`..`max`, or `undefined` when unset (`unsetText` documents what that means). */
export function optionalIntegerVariable(
  name: string,
  unsetText: string,
  bounds: IntegerBounds,
): EnvVariable<number | undefined> {
  return {
    name,
    description: bounds.description,
    defaultText: unsetText,
    read: (text) => (unset(text) ? undefined : integerOf(name, text, bounds)),
  };
}

/** Free text as given, or `undefined` when unset or blank (`unsetText` documents what that means). */
export function textVariable(
  name: string,
  unsetText: string,
  info: EnvVariableInfo,
): EnvVariable<string | undefined> {
  return {
    name,
    description: info.description,
    defaultText: unsetText,
    read: (text) => (unset(text) ? undefined : text),
  };
}

/**
 * A file path (spaces around it trimmed), or `undefined` when unset or blank (`unsetText` documents what that means).
 * Only the text is read here: whether the file can be read is checked with the variables it goes with (e.g. the
 * Redis TLS files, by `redisTlsProblem`), so one rule serves the apps and the library alike.
 */
export function fileVariable(
  name: string,
  unsetText: string,
  info: EnvVariableInfo,
): EnvVariable<string | undefined> {
  return {
    name,
    description: info.description,
    defaultText: unsetText,
    read: (text) => (unset(text) ? undefined : text.trim()),
  };
}

/** A comma-separated list of names (blanks and repeats dropped); `fallback` when unset or empty. */
export function listVariable(
  name: string,
  fallback: readonly string[],
  info: EnvVariableInfo,
): EnvVariable<readonly string[]> {
  return {
    name,
    description: info.description,
    defaultText: fallback.join(','),
    read: (text) => {
      const listed = (text ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
      return listed.length > 0 ? [...new Set(listed)] : fallback;
    },
  };
}

/** A `redis://`, `rediss://` or Sentinel (`redis+sentinel://`) URL; `fallback` when unset. A bad one is quoted with its password hidden. */
export function redisUrlVariable(name: string, fallback: string, info: EnvVariableInfo): EnvVariable<string> {
  return {
    name,
    description: info.description,
    defaultText: fallback,
    read: (text) => {
      if (unset(text)) {
        return fallback;
      }
      const url = text.trim();
      if (!isRedisUrl(url)) {
        throw new EnvVariableError(
          `${name} must be a ${REDIS_URL_SCHEMES} URL, got ${given(redactUrl(url))}`,
        );
      }
      return url;
    },
  };
}
