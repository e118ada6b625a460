import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { INGESTION_REQUESTED } from '@app/contracts';
import { WORKERS } from '../transports';
import { IngestionService } from './ingestion.service';

/** `lightrag-workers`: takes ingestion requests off the work queue. Thin: the work is in IngestionService. */
@Controller()
export class IngestionHandler {
  constructor(private readonly ingestion: IngestionService) {}

  /** One ingestion request; a rejection leaves the entry pending for redelivery. */
  @EventPattern(INGESTION_REQUESTED, WORKERS)
  handle(@Payload() payload: unknown): Promise<void> {
    return this.ingestion.process(payload);
  }
}
