import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { StreamOperations } from '@app/shield-platform';
import { describeError } from '@app/redis-streams';

/** One stream in `GET /events/stats` (the seed's fields, snake_case, plus groups and dead letters). */
export interface StreamStats {
  exists: boolean;
  length: number;
  first_entry: string | null;
  last_entry: string | null;
  consumer_groups: string[];
  groups: Array<{
    name: string;
    consumers: number;
    pending: number;
    lag: number;
    scheduled_retries: number;
    backlog: number;
    oldest_pending_age_ms: number | null;
  }>;
  dead_letters: number;
}

/** `GET /events/stats`. */
@Controller('events')
export class EventsStatsController {
  constructor(private readonly operations: StreamOperations) {}

  /**
   * Length, first and last entry ids, consumer groups (names, then details) and dead letters of each stream of the
   * topology. A missing stream is `exists: false` with zeros and an empty one has null first/last entries (the
   * seed's endpoint answered 200 with an error object for both); Redis failing is a 503.
   */
  @Get('stats')
  async stats(): Promise<{ streams: Record<string, StreamStats>; timestamp: string }> {
    let snapshots;
    try {
      snapshots = await this.operations.snapshots();
    } catch (error) {
      throw new ServiceUnavailableException({ error: 'redis unavailable', message: describeError(error) });
    }
    const streams: Record<string, StreamStats> = {};
    for (const snapshot of snapshots) {
      streams[snapshot.stream] = {
        exists: snapshot.exists,
        length: snapshot.length,
        first_entry: snapshot.firstEntryId,
        last_entry: snapshot.lastEntryId,
        consumer_groups: snapshot.groups.map((group) => group.name),
        groups: snapshot.groups.map((group) => ({
          name: group.name,
          consumers: group.consumers,
          pending: group.pending,
          lag: group.lag,
          scheduled_retries: group.scheduledRetries,
          backlog: group.backlog,
          oldest_pending_age_ms: group.oldestPendingAgeMs,
        })),
        dead_letters: snapshot.deadLetters,
      };
    }
    return { streams, timestamp: new Date().toISOString() };
  }
}
