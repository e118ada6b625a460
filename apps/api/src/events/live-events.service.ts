import { Inject, Injectable } from '@nestjs/common';
import { SHIELD_REDIS } from '@app/shield-platform';
import { StreamTail } from '@app/redis-streams/admin';
import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { EVENTS_CONFIG, EventsConfig } from './events.config';
import { EventsRequest, QueryValues, parseEventsRequest } from './events-request';
import { OpenStreams } from './open-streams';

/** One open live stream: the tail to iterate, and `end` to call when the transport is done. */
export interface LiveStream {
  request: EventsRequest;
  tail: StreamTail;
  /** Stops the tail (closing its Redis connection), then frees the slot. Idempotent. */
  end(): Promise<void>;
}

/** Opens live streams for the SSE controller and the WebSocket gateway: validation, limit, tail. */
@Injectable()
export class LiveEvents {
  constructor(
    @Inject(EVENTS_CONFIG) private readonly config: EventsConfig,
    @Inject(SHIELD_REDIS) private readonly redis: RedisConnection,
    private readonly openStreams: OpenStreams,
  ) {}

  /**
   * Validates the request (throws EventsRequestError), takes a slot (throws TooManyStreamsError) and creates a
   * tail on a duplicate of the app's connection. `closeTransport` ends the response or socket at app shutdown.
   */
  open(query: QueryValues, lastEventId: string | undefined, closeTransport: () => void): LiveStream {
    const request = parseEventsRequest(query, lastEventId, this.config);
    const tail = new StreamTail({
      client: this.redis,
      stream: request.stream,
      from: request.from,
      types: request.types,
    });
    let release = (): void => undefined;
    let ended: Promise<void> | undefined;
    const end = (): Promise<void> => (ended ??= tail.stop().finally(() => release()));
    try {
      release = this.openStreams.acquire(async () => {
        closeTransport();
        await end();
      });
    } catch (error) {
      void tail.stop();
      throw error;
    }
    return { request, tail, end };
  }
}
