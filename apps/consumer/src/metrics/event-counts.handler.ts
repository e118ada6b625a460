import { Controller, UseFilters } from '@nestjs/common';
import { Ctx, EventPattern } from '@nestjs/microservices';
import { INGESTION_ANY, INGESTION_REQUESTED } from '@app/contracts';
import { RedisStreamsContext, RedisStreamsExceptionFilter } from '@app/redis-streams';
import { METRICS } from '../transports';
import { EventCountsService } from './event-counts.service';

/**
 * `metrics-collector`: counts every `ingestion.*` event on the event bus and every request on the work queue (its
 * group exists on both streams in the seed topology; a group nobody reads would hold a growing backlog).
 */
@Controller()
@UseFilters(new RedisStreamsExceptionFilter())
export class EventCountsHandler {
  constructor(private readonly counts: EventCountsService) {}

  /** One event of any `ingestion.*` type (the type is the pattern it was dispatched on). */
  @EventPattern(INGESTION_ANY, METRICS)
  count(@Ctx() ctx: RedisStreamsContext): Promise<void> {
    return this.counts.increment(ctx.getPattern());
  }

  /** One request on the work queue (seen by this group independently of `lightrag-workers`). */
  @EventPattern(INGESTION_REQUESTED, METRICS)
  countRequest(@Ctx() ctx: RedisStreamsContext): Promise<void> {
    return this.counts.increment(ctx.getPattern());
  }
}
