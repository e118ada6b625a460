import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import type { ServerOptions } from 'ws';
import { BearerToken } from '../auth/bearer-token';
import { selectProtocol, upgradeAuthorized } from './events-ws-auth';

type VerifyCallback = (
  result: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/**
 * The API's WebSocket adapter (`ws`): with `EVENTS_TOKEN` set, an upgrade to `/events/ws` without the token is refused
 * before the socket opens, with HTTP 401 and `WWW-Authenticate: Bearer` (events-ws-auth.ts says what counts as the
 * token); the server answers the client's non-token subprotocol. Without `EVENTS_TOKEN` every upgrade is accepted, as
 * before (the SSE guard warns at start).
 */
export class EventsWsAdapter extends WsAdapter {
  private readonly token: BearerToken | undefined;

  constructor(app: INestApplicationContext, eventsToken: string | undefined) {
    super(app);
    this.token = eventsToken ? new BearerToken(eventsToken) : undefined;
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): unknown {
    const token = this.token;
    const wsOptions: ServerOptions = {
      handleProtocols: (protocols: Set<string>) => selectProtocol(protocols),
      ...(token
        ? {
            verifyClient: (info: { req: IncomingMessage }, done: VerifyCallback): void => {
              if (upgradeAuthorized(token, info.req)) {
                done(true);
                return;
              }
              new Logger('EventsWs').debug('WebSocket upgrade refused: no valid events token');
              done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="events"' });
            },
          }
        : {}),
    };
    return super.create(port, { ...options, ...wsOptions });
  }
}
