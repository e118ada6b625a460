import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';

/**
 * When `ADMIN_TOKEN` is set, the dead-letter endpoints (which show payloads and can redrive or delete) need
 * `Authorization: Bearer <ADMIN_TOKEN>`. Unset, they are open and a warning says so once at start.
 */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly token: Buffer | undefined;

  constructor(config: ConfigService) {
    const token = config.get<string>('ADMIN_TOKEN');
    this.token = token ? Buffer.from(token) : undefined;
    if (!this.token) {
      new Logger('DeadLetters').warn('ADMIN_TOKEN is not set: /dlq endpoints need no authentication');
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.token) {
      return true;
    }
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== this.token.length || !timingSafeEqual(given, this.token)) {
      throw new UnauthorizedException('a valid admin token is required (Authorization: Bearer …)');
    }
    return true;
  }
}
