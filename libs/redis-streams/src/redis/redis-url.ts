import { Redis, RedisOptions } from 'ioredis';
import { InvalidOptionsError } from '../errors/redis-streams.error';

const SENTINEL_URL =
  /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)\/([^/?#]+)(?:\/(\d+))?\/?(?:\?([^#]*))?$/;

/** The URL schemes a connection takes, as a sentence for errors. */
export const REDIS_URL_SCHEMES = 'redis://, rediss://, redis+sentinel:// or rediss+sentinel://';

/** True for a URL of one of {@link REDIS_URL_SCHEMES}, without whitespace. */
export function isRedisUrl(url: string): boolean {
  return /^rediss?(\+sentinel)?:\/\/\S*$/.test(url);
}

/** How many times one connection attempt asks the sentinels before it fails. */
const SENTINEL_ATTEMPTS = 5;

/** True for a `redis+sentinel://` or `rediss+sentinel://` URL. */
export function isSentinelUrl(url: string): boolean {
  return /^rediss?\+sentinel:\/\//.test(url);
}

/**
 * The ioredis options a Sentinel URL names:
 * `redis+sentinel://[user:password@]host:port[,host:port…]/<primary name>[/<db>][?sentinelUsername=…&sentinelPassword=…]`.
 * The user and password are the primary's (and its replicas'); the sentinels' own credentials, when they have any,
 * ride in the query. `rediss+sentinel://` speaks TLS to the primary and to the sentinels. Throws InvalidOptionsError
 * (without the password) for a URL it cannot read.
 */
export function sentinelOptionsFromUrl(url: string): RedisOptions {
  const match = SENTINEL_URL.exec(url);
  if (!match) {
    throw new InvalidOptionsError(
      'a Sentinel URL reads redis+sentinel://[user:password@]host:port[,host:port…]/<primary name>[/<db>]',
    );
  }
  const [, scheme, username, password, hosts, name, db, query] = match;
  const sentinels = hosts.split(',').map((hostPort, index) => {
    const at = hostPort.lastIndexOf(':');
    const host = at === -1 ? hostPort : hostPort.slice(0, at);
    const port = at === -1 ? 26379 : Number(hostPort.slice(at + 1));
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidOptionsError(`Sentinel URL: sentinel ${index + 1} is not host:port`);
    }
    return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
  });
  const params = new URLSearchParams(query ?? '');
  const tls = scheme === 'rediss';
  return {
    sentinels,
    // One connection attempt asks the sentinels a few times, then fails (ioredis's retryStrategy then reconnects);
    // ioredis's default asks for ever, so a start against sentinels that never answer would hang without a word.
    sentinelRetryStrategy: (times: number) =>
      times > SENTINEL_ATTEMPTS ? null : Math.min(times * 100, 1000),
    name: decodeURIComponent(name),
    ...(username ? { username: decodeURIComponent(username) } : {}),
    ...(password !== undefined && password !== '' ? { password: decodeURIComponent(password) } : {}),
    ...(db !== undefined ? { db: Number(db) } : {}),
    ...(params.get('sentinelUsername') ? { sentinelUsername: params.get('sentinelUsername') as string } : {}),
    ...(params.get('sentinelPassword') ? { sentinelPassword: params.get('sentinelPassword') as string } : {}),
    ...(tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/** A connection to what `url` names — one node, or a Sentinel-managed primary — with `options` applied over it. */
export function redisFromUrl(url: string, options: RedisOptions = {}): Redis {
  if (!isSentinelUrl(url)) {
    return new Redis(url, options);
  }
  const sentinel = sentinelOptionsFromUrl(url);
  // The `tls` files given for the primary (CA, client certificate) serve the sentinels too, unless set apart.
  const sentinelTLS =
    sentinel.sentinelTLS && options.tls && !options.sentinelTLS ? { sentinelTLS: options.tls } : {};
  return new Redis({ ...sentinel, ...options, ...sentinelTLS });
}
