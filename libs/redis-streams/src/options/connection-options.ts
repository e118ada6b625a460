import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { REDIS_URL_SCHEMES, isClusterUrl, isRedisUrl } from '../redis/redis-url';

/**
 * TLS material, as files read once when the options are resolved. The server certificate is always verified
 * against `caFile` (or Node's trusted CAs) and its name checked (Node's `checkServerIdentity`): there is no option
 * to turn verification off.
 */
export interface RedisTlsOptions {
  /** PEM file of the CA(s) that signed the server certificate. Default: Node's trusted CAs. */
  caFile?: string;
  /** PEM client certificate, for servers that authenticate clients (`tls-auth-clients yes`); needs `keyFile`. */
  certFile?: string;
  /** PEM private key of `certFile`. */
  keyFile?: string;
  /** The name the server certificate must carry (and the SNI name sent). Default: the URL's host. */
  servername?: string;
}

/** Where and how to connect. Shared by the server, the client and the module. */
export interface RedisConnectionOptions {
  /**
   * `redis://` or `rediss://` URL of one node, or `redis+sentinel://[user:password@]host:port,…/<primary name>` of a
   * Sentinel-managed primary (`rediss+sentinel://` for TLS), or `redis+cluster://[user:password@]host:port,…` of a
   * Redis Cluster (seed nodes; `rediss+cluster://` for TLS). Default: `REDIS_URL`, else `redis://127.0.0.1:6379`.
   */
  url?: string;
  /** Extra ioredis options, applied over what the URL says (ACL user, timeouts …). */
  redis?: RedisOptions;
  /** TLS from files; needs a `rediss://` URL (a `rediss://` URL alone uses TLS with Node's trusted CAs). */
  tls?: RedisTlsOptions;
  /**
   * Extra ioredis `ClusterOptions` for a `redis+cluster://` URL (`natMap` when the nodes announce addresses this
   * process cannot reach, `slotsRefreshInterval` …); refused with any other URL.
   */
  cluster?: ClusterOptions;
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

/** `cluster` (extra ioredis ClusterOptions) as given; refused unless `url` names a Cluster. */
export function resolveClusterOptions(
  url: string,
  cluster: ClusterOptions | undefined,
): ClusterOptions | undefined {
  if (cluster !== undefined && (typeof cluster !== 'object' || cluster === null)) {
    throw new InvalidOptionsError('cluster must be an object of ioredis ClusterOptions');
  }
  if (cluster !== undefined && !isClusterUrl(url)) {
    throw new InvalidOptionsError(
      `cluster options are set but url is not redis+cluster:// or rediss+cluster:// (got "${redactUrl(url)}")`,
    );
  }
  return cluster;
}

const TLS_FILES = ['caFile', 'certFile', 'keyFile'] as const;

/**
 * The ioredis options of a connection: `redis` with the `tls` files read (once, here) into ioredis' `tls`.
 * Throws {@link InvalidOptionsError} naming the option (and the file, never its contents) when a file cannot be
 * read, when only one of `certFile`/`keyFile` is given, or when `tls` is set with a `redis://` URL.
 */
export function resolveConnectionRedisOptions(
  url: string,
  tls: RedisTlsOptions | undefined,
  redis: RedisOptions | undefined,
): RedisOptions | undefined {
  if (tls === undefined) {
    return redis;
  }
  if (typeof tls !== 'object' || tls === null) {
    throw new InvalidOptionsError('tls must be an object { caFile?, certFile?, keyFile?, servername? }');
  }
  if (!/^rediss(\+sentinel|\+cluster)?:\/\//.test(url)) {
    throw new InvalidOptionsError(
      `tls is set but url is not rediss://, rediss+sentinel:// or rediss+cluster:// (got "${redactUrl(url)}")`,
    );
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new InvalidOptionsError('tls.certFile and tls.keyFile go together: give both or neither');
  }
  if (tls.servername !== undefined && (typeof tls.servername !== 'string' || tls.servername.trim() === '')) {
    throw new InvalidOptionsError('tls.servername must be a non-empty string');
  }
  const loaded: TlsConnectionOptions = {};
  const target = { caFile: 'ca', certFile: 'cert', keyFile: 'key' } as const;
  for (const name of TLS_FILES) {
    const file = tls[name];
    if (file !== undefined) {
      loaded[target[name]] = readTlsFile(name, file);
    }
  }
  if (tls.servername !== undefined) {
    loaded.servername = tls.servername;
  }
  return { ...redis, tls: loaded };
}

function readTlsFile(name: string, file: string): Buffer {
  if (typeof file !== 'string' || file.trim() === '') {
    throw new InvalidOptionsError(`tls.${name} must be a file path`);
  }
  try {
    return readFileSync(file);
  } catch (error) {
    // The code (ENOENT, EACCES …) only: a message could quote part of the file.
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InvalidOptionsError(`tls.${name} cannot be read: ${file} (${code})`);
  }
}
