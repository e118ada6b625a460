import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ClientRedisStreams, InvalidEventError, RedisStreamsRecord } from '@app/redis-streams';
import { TimeoutError, lastValueFrom, timeout } from 'rxjs';
import { payloadFingerprint } from './payload-fingerprint';
import { PUBLISH_CLIENT } from './publish-client';
import { PublishMarkerStore } from './publish-marker.store';
import { PublishRequest } from './publish-request';
import { PUBLISH_SETTINGS, PublishSettings } from './publish-settings';

/** An event written (or found written before, for a repeated event_id). */
export interface PublishOutcome {
  /** The entry id Redis assigned. */
  id: string;
  stream: string;
  /** True when this answers a repeat of an event_id published within the window (nothing new was written). */
  replayed: boolean;
}

/** How long an XADD may take before the caller gets 503 (the write may still land: see the README). */
export const EMIT_DEADLINE_MS = 10_000;
/**
 * How long a claimed event_id marker lives without an entry id: a process that dies between the claim and the
 * write blocks that event_id for at most this long. Longer than {@link EMIT_DEADLINE_MS}, so a slow write is covered.
 */
export const PENDING_LEASE_MS = 60_000;
/** How long a repeat waits for a concurrent publish of the same event_id to finish before answering 409. */
export const PENDING_WAIT_MS = 5_000;
const PENDING_POLL_MS = 50;

/**
 * Publishes validated HTTP events through the app's {@link ClientRedisStreams} (the shared routes decide the
 * stream). With an `event_id`: claim its marker (SET-NX-like, Lua) → XADD with that event_id → record the entry id
 * in the marker for the window. A repeat finds the marker and answers the first entry's id without writing.
 */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger('HttpPublish');

  constructor(
    @Inject(PUBLISH_CLIENT) private readonly client: ClientRedisStreams,
    private readonly markers: PublishMarkerStore,
    @Inject(PUBLISH_SETTINGS) private readonly settings: PublishSettings,
  ) {}

  /** Writes the event (or answers the entry a repeat of its event_id already wrote). */
  async publish(request: PublishRequest): Promise<PublishOutcome> {
    if (request.eventId === undefined) {
      return { id: await this.write(request), stream: request.stream, replayed: false };
    }
    const eventId = request.eventId;
    const fingerprint = payloadFingerprint(request.type, request.payload);
    const deadline = Date.now() + PENDING_WAIT_MS;
    for (;;) {
      const claim = await this.redisStep(() =>
        this.markers.claim(request.stream, eventId, fingerprint, PENDING_LEASE_MS),
      );
      if (claim.kind === 'claimed') {
        return this.writeClaimed(request, eventId, claim.token);
      }
      if (claim.fingerprint !== fingerprint) {
        throw new ConflictException('event_id was already used for a different event');
      }
      if (claim.kind === 'done') {
        return { id: claim.id, stream: claim.stream, replayed: true };
      }
      if (Date.now() >= deadline) {
        throw new ConflictException('an event with this event_id is being published; try again shortly');
      }
      await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
    }
  }

  private async writeClaimed(
    request: PublishRequest,
    eventId: string,
    token: string,
  ): Promise<PublishOutcome> {
    let id: string;
    try {
      id = await this.write(request);
    } catch (error) {
      // A write that timed out may still land: keep the marker, its lease covers the late write.
      if (!(error instanceof ServiceUnavailableException && error.cause instanceof TimeoutError)) {
        await this.markers.release(request.stream, eventId, token).catch(() => false);
      }
      throw error;
    }
    const windowMs = this.settings.idempotencyWindowSeconds * 1000;
    const recorded = await this.markers
      .commit(request.stream, eventId, token, id, windowMs)
      .catch(() => false);
    if (!recorded) {
      // The entry is written (answer it), but a repeat after the pending lease may write a second one.
      this.logger.warn(
        `${request.type}: entry ${id} on ${request.stream} written, but its event_id could not be recorded`,
      );
    }
    return { id, stream: request.stream, replayed: false };
  }

  private async write(request: PublishRequest): Promise<string> {
    const record = new RedisStreamsRecord(
      request.payload,
      request.eventId === undefined ? {} : { eventId: request.eventId },
    );
    try {
      const id = await lastValueFrom(
        this.client.emit<string>(request.type, record).pipe(timeout({ first: EMIT_DEADLINE_MS })),
      );
      this.logger.debug(`${request.type}: entry ${id} on ${request.stream}`);
      return id;
    } catch (error) {
      if (error instanceof InvalidEventError) {
        throw new BadRequestException('the payload cannot be written as an event (too large or too deep)');
      }
      this.logger.warn(`${request.type}: cannot write to ${request.stream}: ${messageOf(error)}`);
      throw new ServiceUnavailableException('the event stream is unavailable, try again later', {
        cause: error,
      });
    }
  }

  private async redisStep<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      this.logger.warn(`event_id marker: ${messageOf(error)}`);
      throw new ServiceUnavailableException('the event store is unavailable, try again later');
    }
  }
}

/** An error's message only: ioredis errors carry command arguments (the payload), never log them whole. */
function messageOf(error: unknown): string {
  if (error instanceof TimeoutError) {
    return `no answer within ${EMIT_DEADLINE_MS} ms`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
}
