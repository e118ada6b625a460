import type { ServerRedisStreams } from '../server/server-redis-streams';

/** The shape Terminus expects from an indicator: `{ [key]: { status: 'up' | 'down', ...details } }`. */
export type HealthIndicatorResult<Key extends string = string> = Record<
  Key,
  { status: 'up' | 'down'; [detail: string]: unknown }
>;

/**
 * Terminus-compatible health of Redis Streams servers, returning `up`/`down` results instead of throwing (Terminus
 * 11 reads the status), and needing no Terminus import itself.
 *
 * @example
 * ＠Get('health/ready') ＠HealthCheck()
 * ready() { return this.health.check([() => this.streams.isReady('redis-streams')]); }
 */
export class RedisStreamsHealthIndicator {
  private readonly servers: ServerRedisStreams[];

  constructor(servers: ServerRedisStreams[] = []) {
    this.servers = [...servers];
  }

  /** Adds a server to watch. */
  add(server: ServerRedisStreams): this {
    this.servers.push(server);
    return this;
  }

  /**
   * Liveness: every server's watchdog is ticking. A Redis outage does not fail liveness (restarting every pod
   * would not bring Redis back); a stuck event loop does.
   */
  isLive<Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const servers = this.servers.map((server) => server.health());
    const up = servers.length > 0 && servers.every((health) => health.live);
    return Promise.resolve(this.result(key, up, servers));
  }

  /** Readiness: every server's read loop heard from Redis within `blockMs + stallMs` and is connected. */
  isReady<Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const servers = this.servers.map((server) => server.health());
    const up = servers.length > 0 && servers.every((health) => health.ready);
    return Promise.resolve(this.result(key, up, servers));
  }

  private result<Key extends string>(
    key: Key,
    up: boolean,
    servers: Array<ReturnType<ServerRedisStreams['health']>>,
  ): HealthIndicatorResult<Key> {
    const details = servers.map(({ group, consumer, status, live, ready, lastReplyMsAgo, openCircuits }) => ({
      group,
      consumer,
      status,
      live,
      ready,
      lastReplyMsAgo,
      // Reported, never a reason for `down`: the other handlers keep flowing, and restarting would not help.
      openCircuits: openCircuits.map(({ stream, pattern, state, retryAt }) => ({
        stream,
        pattern,
        state,
        retryAt,
      })),
    }));
    const result = {} as HealthIndicatorResult<Key>;
    result[key] = { status: up ? 'up' : 'down', servers: details };
    return result;
  }
}
