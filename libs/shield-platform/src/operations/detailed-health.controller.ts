import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import type { DetailedStreamHealth } from '@app/redis-streams/admin';
import type { Response } from 'express';
import { StreamOperations } from './stream-operations.service';

/** `GET /health/detailed` in both apps (seed 000): needs StreamsTopologyModule. */
@Controller('health')
export class DetailedHealthController {
  constructor(private readonly operations: StreamOperations) {}

  /** PING latency and, per stream, length, groups, consumers, pending, lag, oldest pending age, DLQ; 503 when down. */
  @Get('detailed')
  async detailed(@Res({ passthrough: true }) response: Response): Promise<DetailedStreamHealth> {
    const report = await this.operations.detailedHealth();
    response.status(report.status === 'up' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
