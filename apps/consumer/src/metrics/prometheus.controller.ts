import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { PrometheusMetrics } from './prometheus-metrics';

/** `GET /metrics`: Prometheus text exposition of the consumer's registry. */
@Controller('metrics')
export class PrometheusController {
  constructor(private readonly metrics: PrometheusMetrics) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const { registry } = this.metrics;
    const body = await registry.metrics();
    // end(), not send(): express would rewrite the content type's parameters.
    res.setHeader('Content-Type', registry.contentType);
    res.end(body);
  }
}
