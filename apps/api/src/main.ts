import { Logger } from '@nestjs/common';
import { ApiConfig, apiConfig } from './config/api-config';
import { createApiApp } from './create-api-app';

const logger = new Logger('ApiBootstrap');

/**
 * Starts the HTTP API on PORT (default 3000). An invalid setting (config/api-config.ts) stops it before it connects:
 * the error names the variable, the exit code is 1.
 */
async function bootstrap(): Promise<void> {
  const app = await createApiApp();
  app.enableShutdownHooks();
  const { port } = app.get<ApiConfig>(apiConfig.KEY);
  await app.listen(port);
  logger.log(
    `api listening on http://127.0.0.1:${port} (POST /ingestions, GET /ingestions/:jobId, GET /health)`,
  );
}

bootstrap().catch((error: unknown) => {
  logger.error(`api failed to start: ${error instanceof Error ? error.message : 'unknown error'}`);
  process.exit(1);
});
