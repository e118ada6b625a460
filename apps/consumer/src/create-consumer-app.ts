import { LogLevel, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import {
  LIGHTRAG_WORKERS_GROUP,
  MAX_EVENT_PAYLOAD_BYTES,
  METRICS_COLLECTOR_GROUP,
  routes,
} from '@app/contracts';
import { RedisStreamsServerOptions, ServerRedisStreams } from '@app/redis-streams';
import { ConsumerConfig, consumerConfig, loadConsumerConfig } from './config/consumer-config';
import { consumerServerSettings } from './config/consumer-server-settings';
import { ConsumerModule } from './consumer.module';
import { ConsumerServers } from './consumer-servers';
import { PrometheusMetrics } from './metrics/prometheus-metrics';
import { METRICS, WORKERS } from './transports';

/** Options of {@link createConsumerApp}. */
export interface ConsumerAppOptions {
  /** Nest logger; default Nest's console logger. `false` silences it (tests). */
  logger?: LoggerService | LogLevel[] | false;
  /** XREADGROUP BLOCK of both servers (ms); default `CONSUMER_BLOCK_MS` (tests shorten it). */
  blockMs?: number;
}

/** The consumer app and its two Redis Streams servers. */
export interface ConsumerApp {
  app: NestExpressApplication;
  /** Group `lightrag-workers`: handles `ingestion.requested` from the work queue. */
  workers: ServerRedisStreams;
  /** Group `metrics-collector`: counts every `ingestion.*` on the event bus. */
  metrics: ServerRedisStreams;
  /** The settings the app was created with (from the environment, validated). */
  config: ConsumerConfig;
}

/**
 * Creates the consumer (a hybrid app) with both servers connected but not started: call
 * `app.startAllMicroservices()` then `app.listen(port)` (main.ts does; tests do the same on port 0).
 * Settings come from the environment (config/consumer-config.ts: `REDIS_URL`, `CONSUMER_NAME`, `CONSUMER_BATCH_SIZE`,
 * `CONSUMER_CONCURRENCY` …), validated before anything is created or connected: an invalid one rejects with
 * InvalidEnvironmentError naming the variable.
 *
 * Both groups start from id `0` when they are created for the first time, so requests queued before the very
 * first worker started are processed, not skipped (existing groups resume where they were).
 */
export async function createConsumerApp(options: ConsumerAppOptions = {}): Promise<ConsumerApp> {
  // Fails fast, before Nest opens any connection; the module reads the same settings (consumerConfig).
  loadConsumerConfig(process.env);
  // abortOnError false: an error while creating rejects (main.ts logs it and exits 1) instead of process.abort().
  const app = await NestFactory.create<NestExpressApplication>(ConsumerModule, {
    abortOnError: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const config = app.get<ConsumerConfig>(consumerConfig.KEY);
  const base: Omit<RedisStreamsServerOptions, 'group'> = {
    ...consumerServerSettings(config),
    routes,
    startId: '0',
    ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
    maxPayloadBytes: MAX_EVENT_PAYLOAD_BYTES,
  };
  const workers = new ServerRedisStreams({ ...base, group: LIGHTRAG_WORKERS_GROUP, transportId: WORKERS });
  const metrics = new ServerRedisStreams({ ...base, group: METRICS_COLLECTOR_GROUP, transportId: METRICS });
  const registry = app.get(ConsumerServers);
  const prometheus = app.get(PrometheusMetrics);
  for (const server of [workers, metrics]) {
    registry.register(server);
    prometheus.observeServer(server);
    app.connectMicroservice({ strategy: server });
  }
  return { app, workers, metrics, config };
}
