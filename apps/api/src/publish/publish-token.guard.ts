import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { BearerToken } from '../auth/bearer-token';
import { PUBLISH_SETTINGS, PublishSettings } from './publish-settings';

/**
 * Authenticates `POST /api/v1/events/publish`: with `PUBLISH_TOKEN` set, `Authorization: Bearer <PUBLISH_TOKEN>`
 * is required (401 otherwise, with `WWW-Authenticate: Bearer`); with neither `PUBLISH_TOKEN` nor
 * `PUBLISH_OPEN=true`, every request is refused with 503 (the endpoint is not configured); with `PUBLISH_OPEN=true`
 * and no token, everyone may publish (development only, announced at start).
 */
@Injectable()
export class PublishTokenGuard implements CanActivate {
  private readonly token: BearerToken | undefined;

  constructor(@Inject(PUBLISH_SETTINGS) private readonly settings: PublishSettings) {
    this.token = settings.access.mode === 'token' ? new BearerToken(settings.access.token) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const { mode } = this.settings.access;
    if (mode === 'open') {
      return true;
    }
    if (mode === 'closed' || !this.token) {
      throw new ServiceUnavailableException(
        'publishing over HTTP is not configured: the operator must set PUBLISH_TOKEN',
      );
    }
    const http = context.switchToHttp();
    if (!this.token.matches(http.getRequest<Request>().headers.authorization)) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="publish"');
      throw new UnauthorizedException('a valid publish token is required (Authorization: Bearer …)');
    }
    return true;
  }
}
