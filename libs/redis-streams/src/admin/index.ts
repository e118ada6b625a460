/**
 * `nest-redis-streams/admin`: operating a deployment — inspection, health budgets, dead letters, provisioning,
 * trimming, tailing — through {@link RedisStreamsAdmin}, plus the pure helpers around it (topology files, budgets,
 * type filters, entry ids). Loads `yaml` (topology files); the core entry point does not.
 */
export { RedisStreamsAdmin } from './redis-streams-admin';
export type { RedisStreamsAdminOptions } from './redis-streams-admin';
export { deadLetterStreamsOf, parseTopology } from './topology';
export type { GroupTopology, StreamTopology, Topology } from './topology';
export { loadTopology } from './topology-file';
export type { ProvisionResult, ProvisionedGroup } from './provision';
export type { GroupSnapshot, InspectOptions, StreamSnapshot } from './stream-inspector';
export type { DeadLetterFilter, ListDeadLettersOptions } from './dead-letters';
export type { DeadLetterRecord } from '../wire/dead-letter-record';
export type { DeadLetterSelection, PurgeOptions, RedriveOptions, RedriveResult } from './dead-letter-actions';
export type { TrimOptions, TrimResult } from './janitor';
export type { PendingRow } from '../redis/stream-replies';
export { DEFAULT_TAIL_BLOCK_MS, DEFAULT_TAIL_COUNT, StreamTail } from './stream-tail';
export type { StreamTailOptions, StreamTailStats } from './stream-tail';
export type { TailedEvent } from '../wire/lenient-decoder';
export type { TailMalformedReason } from '../wire/dead-letter-reasons';
export { compileTypeFilter } from '../wire/name-pattern';
export { isCompleteEntryId, parseTailPosition } from '../wire/entry-ids';
export { budgetBreaches, describeBreach, isEmptyBudget } from '../health/stream-budget';
export type { BudgetBreach, StreamBudget } from '../health/stream-budget';
export type { DetailedHealthOptions, DetailedStreamHealth } from '../health/stream-health';
