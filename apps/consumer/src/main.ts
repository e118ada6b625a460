import { Logger } from '@nestjs/common';
import { createConsumerApp } from './create-consumer-app';

const logger = new Logger('ConsumerBootstrap');

/**
 * Starts the consumer: both Redis Streams servers, then HTTP health/counts on CONSUMER_PORT (default 3001). An invalid
 * setting (config/consumer-config.ts) stops it before it connects: the error names the variable, the exit code is 1.
 */
async function bootstrap(): Promise<void> {
  const { app, config } = await createConsumerApp();
  app.enableShutdownHooks();
  const { port } = config;
  await app.startAllMicroservices();
  await app.listen(port);
  logger.log(`consumer listening on http://127.0.0.1:${port} (health: /health, counts: /event-counts)`);
}

bootstrap().catch((error: unknown) => {
  logger.error(`consumer failed to start: ${error instanceof Error ? error.message : 'unknown error'}`);
  process.exit(1);
});
