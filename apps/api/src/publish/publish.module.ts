import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { announcePublishAccess } from './announce-publish-access';
import { EventPublisher } from './event-publisher.service';
import { PublishClientModule } from './publish-client';
import { PublishController } from './publish.controller';
import { PublishMarkerStore } from './publish-marker.store';
import { PublishRequestPipe } from './publish-request.pipe';
import { PUBLISH_SETTINGS, PublishSettings, readPublishSettings } from './publish-settings';
import { PublishTokenGuard } from './publish-token.guard';
import { PublishableEvents } from './publishable-events';

/**
 * `POST /api/v1/events/publish` (see PublishController). Needs the app's global ConfigModule and ShieldRedisModule
 * (the marker connection); writes through a ClientRedisStreams of its own (PublishClientModule). Settings are read
 * and validated once, at start.
 */
@Module({
  imports: [PublishClientModule],
  controllers: [PublishController],
  providers: [
    {
      provide: PUBLISH_SETTINGS,
      inject: [ConfigService],
      useFactory: (config: ConfigService): PublishSettings => {
        const settings = readPublishSettings((name) => config.get<string>(name));
        announcePublishAccess(settings);
        return settings;
      },
    },
    PublishableEvents,
    PublishMarkerStore,
    PublishRequestPipe,
    PublishTokenGuard,
    EventPublisher,
  ],
})
export class PublishModule {}
