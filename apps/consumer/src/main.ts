import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createConsumerApp } from './create-consumer-app';

const logger = new Logger('ConsumerBootstrap');

/** Starts the consumer: both Redis Streams servers, then HTTP health/counts on CONSUMER_PORT (default 3001). */
async function bootstrap(): Promise<void> {
  const { app } = await createConsumerApp();
  app.enableShutdownHooks();
  const port = Number(app.get(ConfigService).get<string>('CONSUMER_PORT') ?? 3001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('CONSUMER_PORT must be a TCP port number');
  }
  await app.startAllMicroservices();
  await app.listen(port);
  logger.log(`consumer listening on http://127.0.0.1:${port} (health: /health, counts: /event-counts)`);
}

bootstrap().catch((error: unknown) => {
  logger.error(`consumer failed to start: ${error instanceof Error ? error.message : 'unknown error'}`);
  process.exit(1);
});
