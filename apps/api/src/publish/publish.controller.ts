import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { EventPublisher } from './event-publisher.service';
import { PublishRequest } from './publish-request';
import { PublishRequestPipe } from './publish-request.pipe';
import { PublishTokenGuard } from './publish-token.guard';

/** Answer of `POST /api/v1/events/publish`. */
export interface PublishAnswer {
  /** The stream entry id (`<ms>-<seq>`). */
  id: string;
  /** The stream it was written to. */
  stream: string;
}

/**
 * `POST /api/v1/events/publish` for producers that are not Nest apps (seed 002's n8n workflow): bearer token
 * (PublishTokenGuard), body validated against the allow-list (PublishRequestPipe), written by EventPublisher.
 */
@Controller('api/v1/events')
@UseGuards(PublishTokenGuard)
export class PublishController {
  constructor(private readonly publisher: EventPublisher) {}

  /**
   * `{ stream | type, payload, event_id? }` → 201 `{ id, stream }`. A repeat of an event_id within the window
   * answers the first entry's id (header `Idempotent-Replayed: true`). 400 bad body, 401 bad token, 409 event_id
   * reused for another event, 413 payload too large, 503 not configured or Redis unavailable.
   */
  @Post('publish')
  @HttpCode(HttpStatus.CREATED)
  async publish(
    @Body(PublishRequestPipe) request: PublishRequest,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PublishAnswer> {
    const outcome = await this.publisher.publish(request);
    if (outcome.replayed) {
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return { id: outcome.id, stream: outcome.stream };
  }
}
