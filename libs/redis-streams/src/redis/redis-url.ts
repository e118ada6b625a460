import { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { RedisConnection } from './redis-connection';

const SENTINEL_URL =
  /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)\/([^/?#]+)(?:\/(\d+))?\/?(?:\?([^#]*))?$/;

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)\/?$/;

/** The URL schemes a connection takes, as a sentence for errors. */
export const REDIS_URL_SCHEMES =
  'redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster://';

/** True for a URL of one of {@link REDIS_URL_SCHEMES}, without whitespace. */
export function isRedisUrl(url: string): boolean {
  return /^rediss?(\+sentinel|\+cluster)?:\/\/\S*$/.test(url);
}

/** True for a `redis+cluster://` or `rediss+cluster://` URL. */
export function isClusterUrl(url: string): boolean {
  return /^rediss?\+cluster:\/\//.test(url);
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
  const sentinels = hostsOf(hosts, 26379, 'Sentinel URL: sentinel');
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

/** `host:port[,host:port…]` as ioredis nodes; `what` names them in errors. */
function hostsOf(hosts: string, defaultPort: number, what: string): Array<{ host: string; port: number }> {
  return hosts.split(',').map((hostPort, index) => {
    const at = hostPort.lastIndexOf(':');
    const host = at === -1 ? hostPort : hostPort.slice(0, at);
    const port = at === -1 ? defaultPort : Number(hostPort.slice(at + 1));
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new InvalidOptionsError(`${what} ${index + 1} is not host:port`);
    }
    return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
  });
}

/** The seed nodes and per-node options a Cluster URL names: `redis+cluster://[user:password@]host:port[,host:port…]`. */
export function clusterSeedsFromUrl(url: string): {
  nodes: Array<{ host: string; port: number }>;
  redisOptions: RedisOptions;
} {
  const match = CLUSTER_URL.exec(url);
  if (!match) {
    throw new InvalidOptionsError(
      'a Cluster URL reads redis+cluster://[user:password@]host:port[,host:port…] (a cluster has database 0 only)',
    );
  }
  const [, scheme, username, password, hosts] = match;
  return {
    nodes: hostsOf(hosts, 6379, 'Cluster URL: seed node'),
    redisOptions: {
      ...(username ? { username: decodeURIComponent(username) } : {}),
      ...(password !== undefined && password !== '' ? { password: decodeURIComponent(password) } : {}),
      ...(scheme === 'rediss' ? { tls: {} } : {}),
    },
  };
}

/** Options that belong to the Cluster itself; every other ioredis option applies to each node's connection. */
const CLUSTER_LEVEL = [
  'lazyConnect',
  'enableAutoPipelining',
  'enableOfflineQueue',
  'enableReadyCheck',
] as const;
/** Options a Cluster sets per node itself. */
const NOT_PER_NODE = ['host', 'port', 'path', 'sentinels', 'readOnly'];

/**
 * A Redis Cluster connection from a Cluster URL: `options` (one node's ioredis options) split into the Cluster's and
 * each node's, `retryStrategy` becoming the Cluster's reconnect strategy; `cluster` (ioredis ClusterOptions: `natMap`,
 * `scaleReads` …) applied last.
 */
export function clusterFromUrl(
  url: string,
  options: RedisOptions = {},
  cluster: ClusterOptions = {},
): Cluster {
  const { nodes, redisOptions } = clusterSeedsFromUrl(url);
  const { retryStrategy, ...rest } = options;
  const clusterLevel: ClusterOptions = {};
  const perNode: Record<string, unknown> = { ...redisOptions };
  for (const [name, value] of Object.entries(rest)) {
    const forCluster = (CLUSTER_LEVEL as readonly string[]).includes(name);
    if (forCluster) {
      (clusterLevel as Record<string, unknown>)[name] = value;
    }
    // The ready check means the same for each node (INFO there, CLUSTER INFO for the Cluster).
    if (name === 'enableReadyCheck' || (!forCluster && !NOT_PER_NODE.includes(name))) {
      perNode[name] = value;
    }
  }
  return new Cluster(nodes, {
    // Keyed commands follow MOVED/ASK; reads stay on primaries (a replica may lag behind the PEL).
    scaleReads: 'master',
    ...(retryStrategy !== undefined ? { clusterRetryStrategy: retryStrategy } : {}),
    ...clusterLevel,
    ...cluster,
    redisOptions: { ...(perNode as ClusterOptions['redisOptions']), ...cluster.redisOptions },
  });
}

/**
 * A connection to what `url` names — one node, a Sentinel-managed primary, or a Redis Cluster — with `options`
 * applied over it (`cluster`: extra ioredis ClusterOptions, for a Cluster URL only).
 */
export function redisFromUrl(
  url: string,
  options: RedisOptions = {},
  cluster?: ClusterOptions,
): RedisConnection {
  if (isClusterUrl(url)) {
    return clusterFromUrl(url, options, cluster);
  }
  if (!isSentinelUrl(url)) {
    return new Redis(url, options);
  }
  const sentinel = sentinelOptionsFromUrl(url);
  // The `tls` files given for the primary (CA, client certificate) serve the sentinels too, unless set apart.
  const sentinelTLS =
    sentinel.sentinelTLS && options.tls && !options.sentinelTLS ? { sentinelTLS: options.tls } : {};
  return new Redis({ ...sentinel, ...options, ...sentinelTLS });
}
