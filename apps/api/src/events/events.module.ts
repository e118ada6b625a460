import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EVENTS_CONFIG, eventsConfigFrom } from './events.config';
import { EventsSseController } from './events-sse.controller';
import { EventsStatsController } from './events-stats.controller';
import { EventsTokenGuard } from './events-token.guard';
import { EventsGateway } from './events-ws.gateway';
import { LiveEvents } from './live-events.service';
import { OpenStreams } from './open-streams';

/**
 * Live events for browsers and tools: `GET /events/stream` (SSE) and `/events/ws` (WebSocket; needs the app's
 * EventsWsAdapter, which checks `EVENTS_TOKEN` at the upgrade), both behind `EVENTS_TOKEN` when it is set. Each
 * client follows a stream with its own XREAD, so every client sees every event. `GET /events/stats`.
 */
@Module({
  controllers: [EventsSseController, EventsStatsController],
  providers: [
    {
      provide: EVENTS_CONFIG,
      useFactory: (config: ConfigService) => eventsConfigFrom((name) => config.get<string>(name)),
      inject: [ConfigService],
    },
    EventsTokenGuard,
    OpenStreams,
    LiveEvents,
    EventsGateway,
  ],
  exports: [OpenStreams],
})
export class EventsModule {}
