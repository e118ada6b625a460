import { CanActivate, ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { BearerToken } from '../auth/bearer-token';

/**
 * When `ADMIN_TOKEN` is set, the dead-letter endpoints (which show payloads and can redrive or delete) need
 * `Authorization: Bearer <ADMIN_TOKEN>`. Unset, they are open and a warning says so once at start.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: BearerToken | undefined;

  constructor(config: ConfigService) {
    const token = config.get<string>('ADMIN_TOKEN');
    this.token = token ? new BearerToken(token) : undefined;
    if (!this.token) {
      new Logger('DeadLetters').warn('ADMIN_TOKEN is not set: /dlq endpoints need no authentication');
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) {
      return true;
    }
    // Compared as SHA-256 digests: neither the token nor its length shows in the comparison's timing.
    if (!this.token.matches(context.switchToHttp().getRequest<Request>().headers.authorization)) {
      throw new UnauthorizedException('a valid admin token is required (Authorization: Bearer …)');
    }
    return true;
  }
}
