import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { StreamOperations } from '@app/shield-platform';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ConsumerServers } from '../consumer-servers';
import { ConsumerHealth, HealthService } from './health.service';

/**
 * Kubernetes probes (Terminus): `/health/live` (the read loops' watchdogs tick; a Redis outage does not fail it, or
 * every pod would restart), `/health/ready` (Redis answered every read loop recently; down while shutting down; with HEALTH_MAX_* set, also the streams' budget),
 * `/health/detailed` (per-stream details). `GET /health`: the detailed report, 503 when not healthy.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly terminus: HealthCheckService,
    private readonly servers: ConsumerServers,
    private readonly operations: StreamOperations,
  ) {}

  @Get()
  async get(): Promise<ConsumerHealth> {
    const report = await this.health.check();
    if (report.status !== 'ok') {
      throw new ServiceUnavailableException(report);
    }
    return report;
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.terminus.check([() => this.servers.indicator().isLive('redis-streams')]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.terminus.check([
      () => this.servers.indicator().isReady('redis-streams'),
      ...this.operations.budgetIndicators(),
    ]);
  }
}
