import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiMetrics } from './api-metrics';

/** `GET /metrics`: Prometheus text exposition of the API's registry. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const { registry } = this.metrics;
    const body = await registry.metrics();
    // end(), not send(): express would rewrite the content type's parameters.
    res.setHeader('Content-Type', registry.contentType);
    res.end(body);
  }
}
