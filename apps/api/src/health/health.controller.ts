import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthService } from './health.service';

/** `GET /health`: `{ status: 'ok' }`, or 503 when Redis does not answer. */
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  async get(): Promise<{ status: 'ok' }> {
    if (!(await this.health.redisAnswers())) {
      throw new ServiceUnavailableException({ status: 'error', redis: 'down' });
    }
    return { status: 'ok' };
  }
}
