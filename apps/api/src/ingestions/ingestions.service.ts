import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { CreateIngestionDto, INGESTION_REQUESTED, IngestionTask } from '@app/contracts';
import { JobStatus, JobStatusStore } from '@app/shield-platform';
import { EmitEvent, InvalidEventError } from '@app/redis-streams';

/** Answer of `POST /ingestions`. */
export interface IngestionAccepted {
  jobId: string;
}

/** Answer of `GET /ingestions/:jobId`. */
export interface IngestionStatusView {
  jobId: string;
  status: JobStatus;
  /** Null until a worker has split the content. */
  chunkCount: number | null;
  updatedAt: string;
  error?: string;
}

/** Accepts ingestion requests and reports their status. */
@Injectable()
export class IngestionsService {
  private readonly logger = new Logger(IngestionsService.name);

  constructor(private readonly jobs: JobStatusStore) {}

  /**
   * Records the job as `queued` first (so a worker that is quicker than this method never finds it unknown), then
   * stores the `ingestion.requested` event. If the event cannot be stored the job is marked failed and the caller
   * gets 503 (or 400 when the request cannot be written as an event at all).
   */
  async create(dto: CreateIngestionDto): Promise<IngestionAccepted> {
    const jobId = randomUUID();
    try {
      await this.jobs.markQueued(jobId);
    } catch (error) {
      this.logger.warn(`job ${jobId}: cannot record status: ${messageOf(error)}`);
      throw new ServiceUnavailableException('the job store is unavailable, try again later');
    }
    try {
      await this.requestIngestion(jobId, dto);
    } catch (error) {
      this.logger.warn(`job ${jobId}: cannot enqueue: ${messageOf(error)}`);
      await this.jobs.markFailed(jobId, 'could not be enqueued').catch(() => undefined);
      if (error instanceof InvalidEventError) {
        throw new BadRequestException('the request cannot be written as an event (too large or too deep)');
      }
      throw new ServiceUnavailableException('the ingestion queue is unavailable, try again later');
    }
    return { jobId };
  }

  /**
   * Builds the `ingestion.requested` task in the seed's layout (the queue is written flat, so the Python workers parse
   * it); `@EmitEvent` stores it once this resolves (and rejects if it cannot). The whole document is one task
   * (`chunk_id` `<jobId>:0`); `job_id` is its idempotency key, so a producer-side duplicate (a resent XADD) is
   * recognisable.
   */
  @EmitEvent(INGESTION_REQUESTED)
  requestIngestion(jobId: string, dto: CreateIngestionDto): Promise<IngestionTask> {
    return Promise.resolve({
      job_id: jobId,
      chunk_id: `${jobId}:0`,
      content: dto.content,
      source_uri: dto.sourceUri,
      source_type: dto.sourceType,
      metadata: dto.metadata ?? {},
      retry_count: 0,
      timestamp: new Date().toISOString(),
    });
  }

  /** The job's status; 404 when the job is unknown or expired. */
  async status(jobId: string): Promise<IngestionStatusView> {
    const record = await this.jobs.get(jobId);
    if (!record) {
      throw new NotFoundException('no such job');
    }
    const view: IngestionStatusView = {
      jobId,
      status: record.status,
      chunkCount: record.chunkCount ?? null,
      updatedAt: record.updatedAt,
    };
    if (record.error !== undefined) {
      view.error = record.error;
    }
    return view;
  }
}

/** An error's message only: ioredis errors carry command arguments (the payload), never log them whole. */
function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
