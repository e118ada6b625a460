import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RedisStreamsExceptionFilter } from '@app/redis-streams';
import { INGESTION_REQUESTED } from '@app/contracts';
import { WORKERS } from '../transports';
import { IngestionService } from './ingestion.service';

/** `lightrag-workers`: takes ingestion requests off the work queue. Thin: the work is in IngestionService. */
@Controller()
@UseFilters(new RedisStreamsExceptionFilter())
export class IngestionHandler {
  constructor(private readonly ingestion: IngestionService) {}

  /** One ingestion request; a rejection has it retried with backoff (then dead-lettered). */
  @EventPattern(INGESTION_REQUESTED, WORKERS)
  handle(@Payload() payload: unknown): Promise<void> {
    return this.ingestion.process(payload);
  }
}
