import { DEFAULT_REDIS_URL } from '@app/redis-streams';
import { fileVariable, optionalIntegerVariable, redisUrlVariable, textVariable } from './env-variable';
import { EnvValues } from './parse-env';
import { redisTlsProblem } from './redis-tls-env';

const NOT_CHECKED = 'unset (not checked)';
const WHOLE = { min: 0, max: Number.MAX_SAFE_INTEGER };

/**
 * The variables both apps read through this library (its Redis connection, topology and stream budget), for each
 * app's typed config to validate at start (with {@link PLATFORM_ENV_CHECKS}). The library's own readers
 * (`redisUrlFrom`, `redisTlsFrom`, `StreamsTopologyModule`, `streamBudgetFrom`) read the same variables.
 */
export const PLATFORM_ENV = {
  redisUrl: redisUrlVariable('REDIS_URL', DEFAULT_REDIS_URL, {
    description: 'Redis of the streams, job statuses and metrics',
  }),
  redisTlsCaFile: fileVariable('REDIS_TLS_CA_FILE', "unset (Node's trusted CAs)", {
    description:
      'PEM file of the CA(s) that signed the Redis server certificate; needs a `rediss://` `REDIS_URL`',
  }),
  redisTlsCertFile: fileVariable('REDIS_TLS_CERT_FILE', 'unset (no client certificate)', {
    description: 'PEM client certificate (`tls-auth-clients yes`); needs `REDIS_TLS_KEY_FILE`',
  }),
  redisTlsKeyFile: fileVariable('REDIS_TLS_KEY_FILE', 'unset', {
    description: 'PEM private key of `REDIS_TLS_CERT_FILE`',
  }),
  redisTlsServername: textVariable('REDIS_TLS_SERVERNAME', "unset (the URL's host)", {
    description: 'name the Redis server certificate must carry (and the SNI name sent)',
  }),
  topologyFile: textVariable('STREAMS_TOPOLOGY', 'the seed topology (`config/streams.yaml`)', {
    description: 'topology file applied at start (streams, groups, retention)',
  }),
  healthMaxLag: optionalIntegerVariable('HEALTH_MAX_LAG', NOT_CHECKED, {
    ...WHOLE,
    description: 'budget of `/health/detailed` and readiness: most entries not yet delivered to a group',
  }),
  healthMaxBacklog: optionalIntegerVariable('HEALTH_MAX_BACKLOG', NOT_CHECKED, {
    ...WHOLE,
    description: 'budget: most lag + pending + scheduled retries of a group',
  }),
  healthMaxPendingAgeMs: optionalIntegerVariable('HEALTH_MAX_PENDING_AGE_MS', NOT_CHECKED, {
    ...WHOLE,
    description: 'budget: oldest pending entry of a group (ms)',
  }),
  healthMaxDeadLetters: optionalIntegerVariable('HEALTH_MAX_DEAD_LETTERS', NOT_CHECKED, {
    ...WHOLE,
    description: 'budget: most entries in the dead-letter stream of a stream',
  }),
} as const;

/** The typed values of {@link PLATFORM_ENV}. */
export type PlatformEnvValues = EnvValues<typeof PLATFORM_ENV>;

/**
 * Rules across the platform variables, for each app's `parseEnv`: the TLS files can be read, the certificate comes
 * with its key, and TLS goes with a `rediss://` URL (the library's own checks, said in the variables' names).
 */
export const PLATFORM_ENV_CHECKS: ReadonlyArray<(values: PlatformEnvValues) => string | undefined> = [
  redisTlsProblem,
];
