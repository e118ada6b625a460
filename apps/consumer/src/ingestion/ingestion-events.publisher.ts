import { Inject, Injectable } from '@nestjs/common';
import {
  INGESTION_COMPLETED,
  INGESTION_FAILED,
  INGESTION_PROGRESS,
  INGESTION_STARTED,
  IngestionEventPayloads,
} from '@app/contracts';
import { ClientRedisStreams, RedisStreamsRecord } from '@app/redis-streams';
import { lastValueFrom } from 'rxjs';
import { CONSUMER_EVENTS_CLIENT } from '../transports';

/**
 * Writes a job's lifecycle events to the event bus. Every event has a deterministic `event_id`
 * (`<jobId>:started`, `<jobId>:progress:<i>` …): a redelivered request emits the same ids again, so downstream
 * consumers can drop the duplicates. Each method resolves once Redis stored the entries.
 */
@Injectable()
export class IngestionEventsPublisher {
  constructor(@Inject(CONSUMER_EVENTS_CLIENT) private readonly client: ClientRedisStreams) {}

  /** `ingestion.started`. */
  started(jobId: string, chunkCount: number): Promise<void> {
    return this.emit(INGESTION_STARTED, { jobId, chunkCount }, `${jobId}:started`);
  }

  /** One `ingestion.progress` per chunk, written in order (pipelined, not one round trip each). */
  async progress(jobId: string, chunkCount: number): Promise<void> {
    const emits: Array<Promise<void>> = [];
    for (let chunkIndex = 0; chunkIndex < chunkCount; chunkIndex++) {
      emits.push(
        this.emit(INGESTION_PROGRESS, { jobId, chunkIndex, chunkCount }, `${jobId}:progress:${chunkIndex}`),
      );
    }
    await Promise.all(emits);
  }

  /** `ingestion.completed`. */
  completed(jobId: string, chunkCount: number): Promise<void> {
    return this.emit(INGESTION_COMPLETED, { jobId, chunkCount }, `${jobId}:completed`);
  }

  /** `ingestion.failed`. */
  failed(jobId: string, reason: string): Promise<void> {
    return this.emit(INGESTION_FAILED, { jobId, reason }, `${jobId}:failed`);
  }

  private async emit<P extends keyof IngestionEventPayloads>(
    pattern: P,
    payload: IngestionEventPayloads[P],
    eventId: string,
  ): Promise<void> {
    await lastValueFrom(this.client.emit<string>(pattern, new RedisStreamsRecord(payload, { eventId })));
  }
}
