import { Inject, Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { EVENTS_CONFIG, EventsConfig } from './events.config';
import { EventsRequestError, queryOf } from './events-request';
import { wsMessage } from './event-views';
import { LiveEvents, LiveStream } from './live-events.service';
import { TooManyStreamsError } from './open-streams';

/** Close codes (RFC 6455 §7.4.1, IANA registry). */
const CLOSE = { goingAway: 1001, policy: 1008, internal: 1011, tryAgainLater: 1013 } as const;

/**
 * `/events/ws?stream=&type=&from=`: the live events of `GET /events/stream` on a WebSocket, one JSON text frame per
 * event, ping frames as heartbeat (a client that misses a pong is dropped). An invalid query closes with 1008,
 * too many open streams with 1013, both with a reason.
 */
@WebSocketGateway({ path: '/events/ws' })
export class EventsGateway implements OnGatewayConnection {
  private readonly logger = new Logger('EventsWs');

  constructor(
    private readonly live: LiveEvents,
    @Inject(EVENTS_CONFIG) private readonly config: EventsConfig,
  ) {}

  /** Opens the live stream the query asks for, or closes the socket saying why not. */
  handleConnection(client: WebSocket, request: IncomingMessage): void {
    let live: LiveStream;
    try {
      live = this.live.open(queryOf(request.url), undefined, () =>
        client.close(CLOSE.goingAway, 'server shutting down'),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown error';
      if (error instanceof TooManyStreamsError) {
        client.close(CLOSE.tryAgainLater, closeReason(message));
      } else if (error instanceof EventsRequestError) {
        client.close(CLOSE.policy, closeReason(message));
      } else {
        this.logger.warn(`WebSocket event stream not opened: ${message}`);
        client.close(CLOSE.internal, 'internal error');
      }
      return;
    }
    void this.pump(client, live);
  }

  private async pump(client: WebSocket, live: LiveStream): Promise<void> {
    let answered = true;
    client.on('pong', () => {
      answered = true;
    });
    const heartbeat = setInterval(() => {
      if (!answered) {
        client.terminate();
        return;
      }
      answered = false;
      client.ping();
    }, this.config.heartbeatMs);
    client.once('close', () => {
      clearInterval(heartbeat);
      void live.end();
    });
    try {
      for await (const event of live.tail) {
        if (client.readyState !== WebSocket.OPEN) {
          break;
        }
        await send(client, wsMessage(event));
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : 'unknown error';
      this.logger.warn(`WebSocket stream of ${live.request.stream} ended: ${message}`);
      client.close(CLOSE.internal, 'event stream failed');
    } finally {
      clearInterval(heartbeat);
      await live.end();
    }
  }
}

/** Sends one frame; resolves once it is written (or failed because the socket went away): the backpressure. */
function send(client: WebSocket, data: string): Promise<void> {
  return new Promise((resolve) => client.send(data, () => resolve()));
}

/** A close reason fits in 123 bytes. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) {
    reason = reason.slice(0, -1);
  }
  return reason;
}
