import { TerminusModule } from '@nestjs/terminus';
import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  DetailedHealthController,
  METRICS_REGISTRY,
  MetricsController,
  ShieldRedisModule,
  StreamsTopologyModule,
  streamsClientOptions,
} from '@app/shield-platform';
import { RedisStreamsModule } from '@app/redis-streams';
import { apiConfig } from './config/api-config';
import { DeadLettersModule } from './dead-letters/dead-letters.module';
import { EventsModule } from './events/events.module';
import { PublishModule } from './publish/publish.module';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { IngestionsController } from './ingestions/ingestions.controller';
import { IngestionsService } from './ingestions/ingestions.service';
import { ApiMetrics } from './metrics/api-metrics';
import { TraceContextInterceptor } from './tracing/trace-context.interceptor';

/**
 * The HTTP API: accepts ingestion requests, emits them on the work queue (`@EmitEvent` through the unnamed
 * RedisStreamsModule client) and answers status queries from the job status store.
 */
@Module({
  imports: [
    TerminusModule,
    ConfigModule.forRoot({ isGlobal: true, load: [apiConfig] }),
    ShieldRedisModule,
    StreamsTopologyModule,
    RedisStreamsModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService) => streamsClientOptions(config, 'api'),
    }),
    EventsModule,
    DeadLettersModule,
    PublishModule,
  ],
  controllers: [IngestionsController, HealthController, DetailedHealthController, MetricsController],
  providers: [
    IngestionsService,
    HealthService,
    ApiMetrics,
    {
      provide: METRICS_REGISTRY,
      useFactory: (metrics: ApiMetrics) => metrics.registry,
      inject: [ApiMetrics],
    },
    // A request's W3C traceparent becomes the trace context of the events it emits.
    { provide: APP_INTERCEPTOR, useClass: TraceContextInterceptor },
  ],
})
export class ApiModule {}
