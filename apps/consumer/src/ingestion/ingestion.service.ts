import { Injectable, Logger } from '@nestjs/common';
import { JobStatusStore } from '@app/shield-platform';
import { UnrecoverableEventError } from '@app/redis-streams';
import { chunkText } from './chunker';
import { IngestionEventsPublisher } from './ingestion-events.publisher';
import { normalizeIngestionRequest } from './normalize-request';

/**
 * Processes one `ingestion.requested` event: processing → split into chunks → `ingestion.started`, one
 * `ingestion.progress` per chunk → completed → `ingestion.completed`.
 *
 * Failure policy (at-least-once):
 * - A transient error (Redis away, an emit refused) is thrown: the transport retries it with backoff (dead-lettered
 *   after maxDeliveries).
 *   Every step is safe to repeat: statuses only move forward and events carry deterministic ids.
 * - A permanent error (the request can never succeed: content blank, a field missing) marks the job `failed`,
 *   emits `ingestion.failed` and returns normally, so the entry is acknowledged and not retried.
 * - A request without a job id cannot even be failed: it is thrown as UnrecoverableEventError and dead-lettered.
 */
@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    private readonly jobs: JobStatusStore,
    private readonly events: IngestionEventsPublisher,
  ) {}

  /** Handles one request; resolves when the job is finished (or was already), rejects to have it redelivered. */
  async process(payload: unknown): Promise<void> {
    const request = normalizeIngestionRequest(payload);
    if (!request.ok) {
      if (request.jobId === undefined) {
        throw new UnrecoverableEventError(`ingestion request rejected: ${request.reason}`);
      }
      return this.fail(request.jobId, request.reason);
    }
    const { jobId, content } = request.event;
    const { status } = await this.jobs.markProcessing(jobId);
    if (status === 'completed' || status === 'failed') {
      // A redelivery of a finished job (e.g. the process died after the status was written but before the final
      // event was stored): never move it back, only make sure its final event exists (same event id).
      return this.replayFinalEvent(jobId);
    }
    const chunks = chunkText(content);
    if (chunks.length === 0) {
      return this.fail(jobId, 'content is blank');
    }
    await this.events.started(jobId, chunks.length);
    await this.events.progress(jobId, chunks.length);
    await this.jobs.markCompleted(jobId, chunks.length);
    await this.events.completed(jobId, chunks.length);
    this.logger.log(`job ${jobId}: completed, ${chunks.length} chunk(s)`);
  }

  private async fail(jobId: string, reason: string): Promise<void> {
    const { status } = await this.jobs.markFailed(jobId, reason);
    if (status !== 'failed') {
      // Already completed: a late duplicate with a bad payload does not undo a finished job.
      return;
    }
    await this.events.failed(jobId, reason);
    this.logger.warn(`job ${jobId}: failed (${reason})`);
  }

  private async replayFinalEvent(jobId: string): Promise<void> {
    const record = await this.jobs.get(jobId);
    if (record?.status === 'completed') {
      await this.events.completed(jobId, record.chunkCount ?? 0);
    } else if (record?.status === 'failed') {
      await this.events.failed(jobId, record.error ?? 'failed');
    }
    this.logger.log(`job ${jobId}: already ${record?.status ?? 'gone'}, delivery acknowledged`);
  }
}
