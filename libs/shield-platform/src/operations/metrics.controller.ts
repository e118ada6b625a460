import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Registry } from 'prom-client';

/** Injection token of the app's own prom-client Registry (each app provides it). */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** `GET /metrics` in both apps: Prometheus text exposition of the app's registry. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.registry.metrics();
    // end(), not send(): express would rewrite the content type's parameters.
    res.setHeader('Content-Type', this.registry.contentType);
    res.end(body);
  }
}
