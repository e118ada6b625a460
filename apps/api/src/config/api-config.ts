import { registerAs } from '@nestjs/config';
import { integerVariable, listVariable, textVariable } from '@app/shield-platform/config/env-variable';
import { Environment, EnvValues, parseEnv } from '@app/shield-platform/config/parse-env';
import { PLATFORM_ENV, PLATFORM_ENV_CHECKS } from '@app/shield-platform/config/platform-env';
import { EVENTS_DEFAULTS } from '../events/events.config';
import { productionAccessProblem } from './production-access';

/**
 * Every environment variable of the API app (besides the HTTP publish endpoint's, which its module reads): its
 * schema, defaults (today's behaviour) and rules, in one place. The README's configuration table lists the same
 * variables.
 */
export const API_ENV = {
  ...PLATFORM_ENV,
  port: integerVariable('PORT', 3000, { min: 0, max: 65_535, description: 'HTTP port of the API' }),
  nodeEnv: textVariable('NODE_ENV', 'unset (development)', {
    description:
      '`production`: the API refuses to start unless `ADMIN_TOKEN` and `EVENTS_TOKEN` are set (16+ characters each)',
  }),
  adminToken: textVariable('ADMIN_TOKEN', 'unset (open, warned)', {
    description: 'bearer token for the `/dlq` endpoints',
  }),
  eventsToken: textVariable('EVENTS_TOKEN', 'unset (open, warned)', {
    description:
      'token for `/events/stream` (`Authorization: Bearer`) and `/events/ws` (the same header, or the `base64url.bearer.<token>` subprotocol)',
  }),
  eventsStreams: listVariable('EVENTS_STREAMS', EVENTS_DEFAULTS.streams, {
    description: 'streams SSE/WebSocket clients may follow (comma-separated)',
  }),
  eventsHeartbeatMs: integerVariable('EVENTS_HEARTBEAT_MS', EVENTS_DEFAULTS.heartbeatMs, {
    min: 10,
    max: 3_600_000,
    description: 'SSE/WebSocket heartbeat (ms)',
  }),
  eventsMaxStreams: integerVariable('EVENTS_MAX_STREAMS', EVENTS_DEFAULTS.maxStreams, {
    min: 1,
    max: 100_000,
    description: 'most live streams open at once (SSE and WebSocket together)',
  }),
} as const;

/** The API's typed settings. */
export type ApiConfig = EnvValues<typeof API_ENV>;

/**
 * Reads and validates the API's settings from `env`; throws InvalidEnvironmentError naming every bad variable
 * (`PORT must be an integer from 0 to 65535, got "http"`). Unset or blank variables take their default.
 */
export function loadApiConfig(env: Environment): ApiConfig {
  return parseEnv('api', API_ENV, env, [...PLATFORM_ENV_CHECKS, eventsTokenProblem, productionAccessProblem]);
}

/** A token with whitespace could never match `Authorization: Bearer <token>`: refused instead of locking clients out. */
function eventsTokenProblem({ eventsToken }: ApiConfig): string | undefined {
  return eventsToken !== undefined && /\s/.test(eventsToken)
    ? 'EVENTS_TOKEN must not contain whitespace'
    : undefined;
}

/**
 * The API's config as a Nest config namespace (`ConfigModule.forRoot({ load: [apiConfig] })`), read from
 * `process.env` when the app is created; inject it with `@Inject(apiConfig.KEY)`.
 */
export const apiConfig = registerAs('api', (): ApiConfig => loadApiConfig(process.env));
