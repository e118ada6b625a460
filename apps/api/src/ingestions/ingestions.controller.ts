import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CreateIngestionDto } from '@app/contracts';
import { IngestionAccepted, IngestionStatusView, IngestionsService } from './ingestions.service';

/** Ingestion requests: submit one, ask for its status. */
@Controller('ingestions')
export class IngestionsController {
  constructor(private readonly ingestions: IngestionsService) {}

  /** 202 `{ jobId }`: the request is stored on the work queue; poll `GET /ingestions/:jobId` for progress. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  create(@Body() dto: CreateIngestionDto): Promise<IngestionAccepted> {
    return this.ingestions.create(dto);
  }

  /** `{ jobId, status, chunkCount, updatedAt, error? }`, 404 for an unknown job. */
  @Get(':jobId')
  status(@Param('jobId') jobId: string): Promise<IngestionStatusView> {
    return this.ingestions.status(jobId);
  }
}
