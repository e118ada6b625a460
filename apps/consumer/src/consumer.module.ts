import { TerminusModule } from '@nestjs/terminus';
import { Module } from '@nestjs/common';
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
import { consumerConfig } from './config/consumer-config';
import { ConsumerServers } from './consumer-servers';
import { DrainLog } from './drain-log';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { StreamJanitor } from './janitor/stream-janitor.service';
import { IngestionEventsPublisher } from './ingestion/ingestion-events.publisher';
import { IngestionHandler } from './ingestion/ingestion.handler';
import { IngestionService } from './ingestion/ingestion.service';
import { EventCountsController } from './metrics/event-counts.controller';
import { EventCountsHandler } from './metrics/event-counts.handler';
import { EventCountsService } from './metrics/event-counts.service';
import { PrometheusMetrics } from './metrics/prometheus-metrics';
import { CONSUMER_EVENTS_CLIENT } from './transports';

/**
 * The consumer app: the `lightrag-workers` and `metrics-collector` handlers (bound to their servers by transport id,
 * see create-consumer-app.ts), the client that writes the workers' lifecycle events, and HTTP health and counts.
 */
@Module({
  imports: [
    TerminusModule,
    ConfigModule.forRoot({ isGlobal: true, load: [consumerConfig] }),
    ShieldRedisModule,
    StreamsTopologyModule,
    RedisStreamsModule.forRootAsync({
      name: CONSUMER_EVENTS_CLIENT,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => streamsClientOptions(config, 'consumer'),
    }),
  ],
  controllers: [
    IngestionHandler,
    EventCountsHandler,
    EventCountsController,
    HealthController,
    DetailedHealthController,
    MetricsController,
  ],
  providers: [
    IngestionService,
    IngestionEventsPublisher,
    EventCountsService,
    HealthService,
    ConsumerServers,
    DrainLog,
    PrometheusMetrics,
    {
      provide: METRICS_REGISTRY,
      useFactory: (metrics: PrometheusMetrics) => metrics.registry,
      inject: [PrometheusMetrics],
    },
    StreamJanitor,
  ],
})
export class ConsumerModule {}
