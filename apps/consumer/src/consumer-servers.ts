import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  RedisStreamsHealthIndicator,
  RedisStreamsServerStats,
  RedisStreamsStatus,
  ServerRedisStreams,
} from '@app/redis-streams';
import { Subscription } from 'rxjs';

/** What the health endpoint shows about one server. */
export interface ServerHealth {
  group: string;
  consumer: string;
  status: RedisStreamsStatus;
  streams: string[];
  stats: RedisStreamsServerStats;
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
