import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createApiApp } from './create-api-app';

const logger = new Logger('ApiBootstrap');

/** Starts the HTTP API on PORT (default 3000). */
async function bootstrap(): Promise<void> {
  const app = await createApiApp();
  app.enableShutdownHooks();
  const port = Number(app.get(ConfigService).get<string>('PORT') ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('PORT must be a TCP port number');
  }
  await app.listen(port);
  logger.log(
    `api listening on http://127.0.0.1:${port} (POST /ingestions, GET /ingestions/:jobId, GET /health)`,
  );
}

bootstrap().catch((error: unknown) => {
  logger.error(`api failed to start: ${error instanceof Error ? error.message : 'unknown error'}`);
  process.exit(1);
});
