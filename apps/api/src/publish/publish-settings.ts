import { MAX_EVENT_PAYLOAD_BYTES } from '@app/contracts';

/** Reads one environment variable (ConfigService.get, or `process.env[name]`). */
export type EnvReader = (name: string) => string | undefined;

/** Who may call `POST /api/v1/events/publish`. */
export type PublishAccess =
  /** `Authorization: Bearer <PUBLISH_TOKEN>` is required. */
  | { mode: 'token'; token: string }
  /** Anyone (`PUBLISH_OPEN=true`, development only). */
  | { mode: 'open' }
  /** Nobody: neither a token nor `PUBLISH_OPEN=true` is configured (answers 503). */
  | { mode: 'closed' };

/** Settings of the HTTP publish endpoint, validated. */
export interface PublishSettings {
  access: PublishAccess;
  /** Largest `payload` accepted, in bytes of its JSON text (larger: 413). */
  maxPayloadBytes: number;
  /** How long a published `event_id` is remembered (a repeat answers the first entry's id), in seconds. */
  idempotencyWindowSeconds: number;
  /** True when `PUBLISH_OPEN=true` was given but ignored because `PUBLISH_TOKEN` is set. */
  openIgnored: boolean;
}

/** Shortest `PUBLISH_TOKEN` accepted (a guessable token is worse than none: refuse it at start). */
export const MIN_PUBLISH_TOKEN_LENGTH = 16;
/** Default of `PUBLISH_MAX_PAYLOAD_BYTES`: 64 KiB. */
export const DEFAULT_PUBLISH_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Default of `PUBLISH_IDEMPOTENCY_WINDOW_SECONDS`: 24 hours. */
export const DEFAULT_PUBLISH_IDEMPOTENCY_WINDOW_SECONDS = 24 * 60 * 60;
/** Longest idempotency window: 30 days. */
const MAX_IDEMPOTENCY_WINDOW_SECONDS = 30 * 24 * 60 * 60;

/**
 * The publish endpoint's settings from the environment, validated; throws an Error naming the variable:
 * - `PUBLISH_TOKEN`: bearer token callers must present (at least 16 characters, no whitespace).
 * - `PUBLISH_OPEN`: `true` opens the endpoint without a token when `PUBLISH_TOKEN` is unset (development only;
 *   refused when `NODE_ENV=production`); `false` or unset: closed without a token.
 * - `PUBLISH_MAX_PAYLOAD_BYTES`: payload cap (default 64 KiB, at most the event payload cap of the apps).
 * - `PUBLISH_IDEMPOTENCY_WINDOW_SECONDS`: how long an `event_id` is remembered (default 86400, 1 s … 30 days).
 */
export function readPublishSettings(env: EnvReader): PublishSettings {
  const token = env('PUBLISH_TOKEN');
  const open = readBoolean(env, 'PUBLISH_OPEN');
  if (token !== undefined && token !== '') {
    if (token.length < MIN_PUBLISH_TOKEN_LENGTH) {
      throw new Error(`PUBLISH_TOKEN must be at least ${MIN_PUBLISH_TOKEN_LENGTH} characters long`);
    }
    if (/\s/.test(token)) {
      throw new Error('PUBLISH_TOKEN must not contain whitespace');
    }
  }
  const hasToken = token !== undefined && token !== '';
  if (!hasToken && open && env('NODE_ENV') === 'production') {
    throw new Error('PUBLISH_OPEN=true is refused when NODE_ENV=production: set PUBLISH_TOKEN instead');
  }
  const access: PublishAccess = hasToken
    ? { mode: 'token', token }
    : open
      ? { mode: 'open' }
      : { mode: 'closed' };
  return {
    access,
    maxPayloadBytes: readInteger(
      env,
      'PUBLISH_MAX_PAYLOAD_BYTES',
      DEFAULT_PUBLISH_MAX_PAYLOAD_BYTES,
      2,
      MAX_EVENT_PAYLOAD_BYTES,
    ),
    idempotencyWindowSeconds: readInteger(
      env,
      'PUBLISH_IDEMPOTENCY_WINDOW_SECONDS',
      DEFAULT_PUBLISH_IDEMPOTENCY_WINDOW_SECONDS,
      1,
      MAX_IDEMPOTENCY_WINDOW_SECONDS,
    ),
    openIgnored: hasToken && open,
  };
}

function readBoolean(env: EnvReader, name: string): boolean {
  const value = env(name);
  if (value === undefined || value === '' || value === 'false') {
    return false;
  }
  if (value === 'true') {
    return true;
  }
  throw new Error(`${name} must be true or false`);
}

function readInteger(env: EnvReader, name: string, fallback: number, min: number, max: number): number {
  const value = env(name);
  if (value === undefined || value === '') {
    return fallback;
  }
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}`);
  }
  return number;
}

/** Injection token of the validated {@link PublishSettings}. */
export const PUBLISH_SETTINGS = Symbol('PUBLISH_SETTINGS');
