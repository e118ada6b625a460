import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  RedisStreamsHealthIndicator,
  RedisStreamsServerStats,
  RedisStreamsStatus,
  ServerRedisStreams,
} from '@app/redis-streams';
import { Subscription } from 'rxjs';

/** The settings a server runs with (its resolved options, from the environment): what `/health` shows. */
export interface ServerSettings {
  batchSize: number;
  blockMs: number;
  concurrency: number;
  minIdleMs: number;
  shutdownTimeoutMs: number;
  maxDeliveries: number;
  backoff: { baseMs: number; maxMs: number };
}

/** What the health endpoint shows about one server. */
export interface ServerHealth {
  group: string;
  consumer: string;
  status: RedisStreamsStatus;
  streams: string[];
  settings: ServerSettings;
  stats: RedisStreamsServerStats;
}

function settingsOf({ options }: ServerRedisStreams): ServerSettings {
  return {
    batchSize: options.batchSize,
    blockMs: options.blockMs,
    concurrency: options.concurrency,
    minIdleMs: options.minIdleMs,
    shutdownTimeoutMs: options.shutdownTimeoutMs,
    maxDeliveries: options.delivery.maxDeliveries,
    backoff: { baseMs: options.delivery.backoff.baseMs, maxMs: options.delivery.backoff.maxMs },
  };
}

/**
 * The app's Redis Streams servers (they are created outside dependency injection, then registered here), with the
 * last status each one reported, for the health endpoint.
 */
@Injectable()
export class ConsumerServers implements OnApplicationShutdown {
  private readonly servers: Array<{ server: ServerRedisStreams; status: RedisStreamsStatus }> = [];
  private readonly subscriptions: Subscription[] = [];

  /** Tracks `server`'s status from now on. */
  register(server: ServerRedisStreams): void {
    const slot = { server, status: 'connecting' as RedisStreamsStatus };
    this.servers.push(slot);
    this.subscriptions.push(server.status.subscribe((status) => (slot.status = status)));
  }

  /** One entry per server; `healthy` is true when every server is connected. */
  describe(): { healthy: boolean; servers: ServerHealth[] } {
    const servers = this.servers.map(({ server, status }) => ({
      group: server.options.group,
      consumer: server.options.consumer,
      status,
      streams: server.streams,
      settings: settingsOf(server),
      stats: server.getStats(),
    }));
    return { healthy: servers.length > 0 && servers.every((s) => s.status === 'connected'), servers };
  }

  /** A health indicator over every registered server (liveness: watchdogs tick; readiness: Redis answers). */
  indicator(): RedisStreamsHealthIndicator {
    return new RedisStreamsHealthIndicator(this.servers.map(({ server }) => server));
  }

  /** Stops tracking. */
  onApplicationShutdown(): void {
    this.subscriptions.splice(0).forEach((subscription) => subscription.unsubscribe());
  }
}
