import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ConsumerHealth, HealthService } from './health.service';

/** `GET /health`: 200 with the report when healthy, 503 with the same report when not. */
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  async get(): Promise<ConsumerHealth> {
    const report = await this.health.check();
    if (report.status !== 'ok') {
      throw new ServiceUnavailableException(report);
    }
    return report;
  }
}
