import { DEFAULT_REDIS_URL } from '@app/redis-streams';
import { optionalIntegerVariable, redisUrlVariable, textVariable } from './env-variable';

const NOT_CHECKED = 'unset (not checked)';
const WHOLE = { min: 0, max: Number.MAX_SAFE_INTEGER };

/**
 * The variables both apps read through this library (its Redis connection, topology and stream budget), for each
 * app's typed config to validate at start. The library's own readers (`redisUrlFrom`, `StreamsTopologyModule`,
 * `streamBudgetFrom`) read the same variables.
 */
export const PLATFORM_ENV = {
  redisUrl: redisUrlVariable('REDIS_URL', DEFAULT_REDIS_URL, {
    description: 'Redis of the streams, job statuses and metrics',
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
