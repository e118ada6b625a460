import type { RedisOptions } from 'ioredis';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { REDIS_URL_SCHEMES, isRedisUrl } from '../redis/redis-url';

/** Where and how to connect. Shared by the server, the client and the module. */
export interface RedisConnectionOptions {
  /**
   * `redis://` or `rediss://` URL of one node, or `redis+sentinel://[user:password@]host:port,…/<primary name>` of a
   * Sentinel-managed primary (`rediss+sentinel://` for TLS). Default: `REDIS_URL`, else `redis://127.0.0.1:6379`.
   */
  url?: string;
  /** Extra ioredis options, applied over what the URL says (TLS, ACL user, sentinels …). */
  redis?: RedisOptions;
}

/** The URL used when neither the options nor `REDIS_URL` name one. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The effective URL: the option, else `REDIS_URL`, else the local default. */
export function resolveRedisUrl(url: string | undefined): string {
  const resolved = url ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
  if (!isRedisUrl(resolved)) {
    throw new InvalidOptionsError(`url must be a ${REDIS_URL_SCHEMES} URL (got "${redactUrl(resolved)}")`);
  }
  return resolved;
}

/** The URL with any password replaced, safe for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_match, auth: string) => {
    const user = auth.includes(':') ? auth.slice(0, auth.indexOf(':')) : '';
    return `//${user}${user ? ':' : ''}***@`;
  });
}

/** Asserts `value` is an integer within [min, max]; `name` goes into the error. */
export function assertInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionsError(`${name} must be an integer from ${min} to ${max} (got ${String(value)})`);
  }
}
