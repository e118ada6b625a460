import {
  BadRequestException,
  Controller,
  Get,
  Inject,
  Logger,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { EVENTS_CONFIG, EventsConfig } from './events.config';
import { EventsRequestError, QueryValues } from './events-request';
import { EventsTokenGuard } from './events-token.guard';
import { SSE_HEARTBEAT, sseFrame } from './event-views';
import { LiveEvents, LiveStream } from './live-events.service';
import { TooManyStreamsError } from './open-streams';

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // nginx buffers proxied responses unless told not to; events must reach the browser as they happen.
  'X-Accel-Buffering': 'no',
};

/** Live events as Server-Sent Events. */
@Controller('events')
export class EventsSseController {
  private readonly logger = new Logger('EventsSse');

  constructor(
    private readonly live: LiveEvents,
    @Inject(EVENTS_CONFIG) private readonly config: EventsConfig,
  ) {}

  /**
   * `GET /events/stream?stream=&type=&from=`: every event of the stream after the position (`Last-Event-ID`, `from`,
   * the seed's `last_id`; default new events only), flushed one by one, with `: heartbeat` comment lines.
   * 400 for an unknown stream or a bad position or type; 503 with `Retry-After` when too many streams are open;
   * 401 without `Authorization: Bearer <EVENTS_TOKEN>` when that is set.
   */
  @Get('stream')
  @UseGuards(EventsTokenGuard)
  async stream(@Query() query: QueryValues, @Req() req: Request, @Res() res: Response): Promise<void> {
    const live = this.open(query, req.get('last-event-id'), res);
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const heartbeat = setInterval(() => res.write(SSE_HEARTBEAT), this.config.heartbeatMs);
    res.once('close', () => {
      clearInterval(heartbeat);
      void live.end();
    });
    if (req.socket.destroyed) {
      void live.end();
    }
    try {
      for await (const event of live.tail) {
        if (!res.write(sseFrame(event))) {
          await drained(res);
        }
      }
    } catch (error) {
      // The browser reconnects with Last-Event-ID and resumes where this one stopped.
      const message = error instanceof Error ? error.message : 'unknown error';
      this.logger.warn(`SSE stream of ${live.request.stream} ended: ${message}`);
    } finally {
      clearInterval(heartbeat);
      await live.end();
      res.end();
    }
  }

  private open(query: QueryValues, lastEventId: string | undefined, res: Response): LiveStream {
    try {
      return this.live.open(query, lastEventId, () => res.end());
    } catch (error) {
      if (error instanceof EventsRequestError) {
        throw new BadRequestException(error.message);
      }
      if (error instanceof TooManyStreamsError) {
        res.setHeader('Retry-After', String(this.config.retryAfterSeconds));
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
  }
}

/** Resolves once the response can take more, or is gone. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
