/**
 * What the two Shield apps run on besides the transport: their shared Redis connection (a global Nest module), the
 * job-status store on it, topology provisioning at start, and the operations endpoints both apps serve (detailed
 * health, stream budget, metrics). Built on `@app/contracts` and `@app/redis-streams`.
 */
export { EVENT_COUNTS_KEY, jobKey } from './keys';
export { JOB_STATUSES, JOB_STATUS_TTL_SECONDS, isJobStatus } from './job-status/job-status';
export type { JobStatus, JobStatusRecord, JobTransition } from './job-status/job-status';
export { JobStatusStore } from './job-status/job-status.store';
export { SHIELD_REDIS, ShieldRedisModule, redisUrlFrom } from './redis/shield-redis.module';
export { streamsClientOptions } from './redis/streams-client-options';
export { pingRedis } from './redis/ping';
export { FRONTEND_GROUPS, SHIELD_TOPOLOGY } from './topology/shield-topology';
export { StreamsTopology } from './topology/streams-topology';
export { StreamsTopologyModule } from './topology/streams-topology.module';
export { streamBudgetFrom } from './operations/stream-budget-config';
export { StreamOperations } from './operations/stream-operations.service';
export { DetailedHealthController } from './operations/detailed-health.controller';
export { METRICS_REGISTRY, MetricsController } from './operations/metrics.controller';
