import { registerAs } from '@nestjs/config';
import { DEFAULT_DELIVERY_POLICY, DEFAULT_SERVER_OPTIONS } from '@app/redis-streams';
import { integerVariable, textVariable } from '@app/shield-platform/config/env-variable';
import { Environment, EnvValues, parseEnv } from '@app/shield-platform/config/parse-env';
import { PLATFORM_ENV, PLATFORM_ENV_CHECKS } from '@app/shield-platform/config/platform-env';

/** The longest a Node timer can wait (ms); a longer `setInterval` would fire every millisecond. */
const MAX_TIMER_MS = 2_147_483_647;
const ONE_DAY_MS = 86_400_000;

/**
 * Every environment variable of the consumer app: its schema, defaults (today's behaviour: the transport's own
 * defaults) and rules, in one place. The README's configuration table lists the same variables.
 */
export const CONSUMER_ENV = {
  ...PLATFORM_ENV,
  port: integerVariable('CONSUMER_PORT', 3001, {
    min: 0,
    max: 65_535,
    description: 'HTTP port (health, `/event-counts`, metrics)',
  }),
  consumerName: textVariable('CONSUMER_NAME', '`host-pid-random`', {
    description: 'consumer name of both groups; set it (e.g. the pod name) to resume a PEL after a restart',
  }),
  batchSize: integerVariable('CONSUMER_BATCH_SIZE', DEFAULT_SERVER_OPTIONS.batchSize, {
    min: 1,
    max: 10_000,
    description: 'entries asked for per read (`XREADGROUP COUNT`)',
  }),
  blockMs: integerVariable('CONSUMER_BLOCK_MS', DEFAULT_SERVER_OPTIONS.blockMs, {
    min: 1,
    max: 60_000,
    description: 'how long one read waits for entries (`XREADGROUP BLOCK`, ms)',
  }),
  concurrency: integerVariable('CONSUMER_CONCURRENCY', DEFAULT_SERVER_OPTIONS.concurrency, {
    min: 1,
    max: 1000,
    description: 'handlers running at once per group (a hard bound: back-pressure)',
  }),
  minIdleMs: integerVariable('CONSUMER_MIN_IDLE_MS', DEFAULT_SERVER_OPTIONS.minIdleMs, {
    min: 30,
    max: ONE_DAY_MS,
    description: "entries idle this long in a dead consumer's PEL are taken over (ms)",
  }),
  shutdownTimeoutMs: integerVariable(
    'CONSUMER_SHUTDOWN_TIMEOUT_MS',
    DEFAULT_SERVER_OPTIONS.shutdownTimeoutMs,
    {
      min: 0,
      max: 600_000,
      description: 'on SIGTERM: how long in-flight handlers may finish before the connections close (ms)',
    },
  ),
  maxDeliveries: integerVariable('CONSUMER_MAX_DELIVERIES', DEFAULT_DELIVERY_POLICY.maxDeliveries, {
    min: 1,
    max: 1000,
    description: 'deliveries of an entry (first + retries + crash redeliveries) before it is dead-lettered',
  }),
  backoffBaseMs: integerVariable('CONSUMER_BACKOFF_BASE_MS', DEFAULT_DELIVERY_POLICY.backoff.baseMs, {
    min: 0,
    max: ONE_DAY_MS,
    description: 'first retry delay (ms); doubles per failure, full jitter',
  }),
  backoffMaxMs: integerVariable('CONSUMER_BACKOFF_MAX_MS', DEFAULT_DELIVERY_POLICY.backoff.maxMs, {
    min: 0,
    max: ONE_DAY_MS,
    description: 'longest retry delay (ms), not below `CONSUMER_BACKOFF_BASE_MS`',
  }),
  janitorIntervalMs: integerVariable('JANITOR_INTERVAL_MS', 300_000, {
    min: 0,
    max: MAX_TIMER_MS,
    description: 'janitor period (ms; 0 = off): trims acknowledged entries behind the slowest group',
  }),
  janitorMinRetentionMs: integerVariable('JANITOR_MIN_RETENTION_MS', 3_600_000, {
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    description: 'acknowledged entries younger than this stay (ms)',
  }),
} as const;

/** The consumer's typed settings. */
export type ConsumerConfig = EnvValues<typeof CONSUMER_ENV>;

/**
 * Reads and validates the consumer's settings from `env`; throws InvalidEnvironmentError naming every bad variable
 * (`CONSUMER_CONCURRENCY must be an integer from 1 to 1000, got "abc"`). Unset or blank variables take their default.
 */
export function loadConsumerConfig(env: Environment): ConsumerConfig {
  return parseEnv('consumer', CONSUMER_ENV, env, [
    ...PLATFORM_ENV_CHECKS,
    ({ backoffBaseMs, backoffMaxMs }) =>
      backoffMaxMs < backoffBaseMs
        ? `CONSUMER_BACKOFF_MAX_MS (${backoffMaxMs}) must not be below CONSUMER_BACKOFF_BASE_MS (${backoffBaseMs})`
        : undefined,
  ]);
}

/**
 * The consumer's config as a Nest config namespace (`ConfigModule.forRoot({ load: [consumerConfig] })`), read from
 * `process.env` when the app is created; inject it with `@Inject(consumerConfig.KEY)`.
 */
export const consumerConfig = registerAs('consumer', (): ConsumerConfig => loadConsumerConfig(process.env));
