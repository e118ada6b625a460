import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { StreamOperations } from '@app/shield-platform';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from './health.service';

/**
 * `GET /health`: `{ status: 'ok' }`, or 503 when Redis does not answer. Kubernetes probes (Terminus):
 * `/health/live` (the process serves HTTP; never fails on a Redis outage) and `/health/ready` (Redis answers PING
 * within a second; down while shutting down; with HEALTH_MAX_* set, also the streams' budget) and `/health/detailed`.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly terminus: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly operations: StreamOperations,
  ) {}

  @Get()
  async get(): Promise<{ status: 'ok' }> {
    if (!(await this.health.redisAnswers())) {
      throw new ServiceUnavailableException({ status: 'error', redis: 'down' });
    }
    return { status: 'ok' };
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.terminus.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.terminus.check([
      async () => {
        const redis = this.indicators.check('redis');
        return (await this.health.redisAnswers())
          ? redis.up()
          : redis.down({ message: 'no PING reply within 1 s' });
      },
      ...this.operations.budgetIndicators(),
    ]);
  }
}
