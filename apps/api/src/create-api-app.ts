import { LogLevel, LoggerService, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { MAX_REQUEST_BODY_BYTES } from '@app/contracts';
import { ApiModule } from './api.module';
import { loadApiConfig } from './config/api-config';
import { EventsWsAdapter } from './events/events-ws-adapter';

/** Options of {@link createApiApp}. */
export interface ApiAppOptions {
  /** Nest logger; default Nest's console logger. `false` silences it (tests). */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Creates the API app, configured but not listening: JSON bodies up to MAX_REQUEST_BODY_BYTES (a 1 MiB content
 * fits even when JSON escaping doubles it) and a global ValidationPipe that refuses unknown properties.
 * Call `app.listen(port)` (main.ts does; tests listen on port 0). Settings come from the environment
 * (config/api-config.ts), validated before anything is created or connected: an invalid one rejects with
 * InvalidEnvironmentError naming the variable.
 */
export async function createApiApp(options: ApiAppOptions = {}): Promise<NestExpressApplication> {
  // Fails fast, before Nest opens any connection; the module reads the same settings (apiConfig).
  const config = loadApiConfig(process.env);
  // abortOnError false: an error while creating rejects (main.ts logs it and exits 1) instead of process.abort().
  const app = await NestFactory.create<NestExpressApplication>(ApiModule, {
    abortOnError: false,
    bodyParser: true,
    rawBody: false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  app.useBodyParser('json', { limit: MAX_REQUEST_BODY_BYTES });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  // WebSockets on the HTTP server's port (`/events/ws`), with the plain `ws` library; EVENTS_TOKEN checked at upgrade.
  app.useWebSocketAdapter(new EventsWsAdapter(app, config.eventsToken));
  return app;
}
