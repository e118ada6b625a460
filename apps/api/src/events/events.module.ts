import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EVENTS_CONFIG, eventsConfigFrom } from './events.config';
import { EventsSseController } from './events-sse.controller';
import { EventsStatsController } from './events-stats.controller';
import { EventsGateway } from './events-ws.gateway';
import { LiveEvents } from './live-events.service';
import { OpenStreams } from './open-streams';

/**
 * Live events for browsers and tools: `GET /events/stream` (SSE) and `/events/ws` (WebSocket; needs the app's
 * WsAdapter). Each client follows a stream with its own XREAD, so every client sees every event. `GET /events/stats`.
 */
@Module({
  controllers: [EventsSseController, EventsStatsController],
  providers: [
    {
      provide: EVENTS_CONFIG,
      useFactory: (config: ConfigService) => eventsConfigFrom((name) => config.get<string>(name)),
      inject: [ConfigService],
    },
    OpenStreams,
    LiveEvents,
    EventsGateway,
  ],
  exports: [OpenStreams],
})
export class EventsModule {}
