import { CanActivate, ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { BearerToken } from '../auth/bearer-token';

/**
 * When `EVENTS_TOKEN` is set, `GET /events/stream` needs `Authorization: Bearer <EVENTS_TOKEN>` (401 with
 * `WWW-Authenticate: Bearer` otherwise). Unset, it is open and a warning says so once at start (refused at start when
 * `NODE_ENV=production`: config/production-access.ts). `/events/ws` is checked at its upgrade (events-ws-auth.ts).
 */
@Injectable()
export class EventsTokenGuard implements CanActivate {
  private readonly token: BearerToken | undefined;

  constructor(config: ConfigService) {
    const token = config.get<string>('EVENTS_TOKEN');
    this.token = token ? new BearerToken(token) : undefined;
    if (!this.token) {
      new Logger('Events').warn(
        "EVENTS_TOKEN is not set: /events/stream and /events/ws show every event's payload without authentication",
      );
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) {
      return true;
    }
    const http = context.switchToHttp();
    if (!this.token.matches(http.getRequest<Request>().headers.authorization)) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="events"');
      throw new UnauthorizedException('a valid events token is required (Authorization: Bearer …)');
    }
    return true;
  }
}
