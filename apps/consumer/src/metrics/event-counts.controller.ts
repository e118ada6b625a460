import { Controller, Get } from '@nestjs/common';
import { EventCountsService } from './event-counts.service';

/** HTTP view of the metrics collector's counts. */
@Controller('event-counts')
export class EventCountsController {
  constructor(private readonly counts: EventCountsService) {}

  /** `{ "ingestion.started": 3, … }`. */
  @Get()
  get(): Promise<Record<string, number>> {
    return this.counts.counts();
  }
}
