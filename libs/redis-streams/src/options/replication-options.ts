import { InvalidOptionsError } from '../errors/redis-streams.error';
import { assertInteger } from './connection-options';

/** How long and for how many replicas {@link ClientRedisStreams.emitReplicated} waits. */
export interface ReplicationOptions {
  /** Replicas that must have the entry. Default 1. */
  replicas?: number;
  /** Longest wait for them (ms); WAIT's `0` (for ever) is refused. Default 1000. */
  timeoutMs?: number;
}

/** Defaults of the replication options, in one place. */
export const DEFAULT_REPLICATION_OPTIONS = { replicas: 1, timeoutMs: 1000 } as const;

/** Applies defaults and validates; throws InvalidOptionsError naming the bad option. */
export function resolveReplicationOptions(options: ReplicationOptions = {}): Required<ReplicationOptions> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError('emitReplicated options must be an object');
  }
  const resolved = {
    replicas: options.replicas ?? DEFAULT_REPLICATION_OPTIONS.replicas,
    timeoutMs: options.timeoutMs ?? DEFAULT_REPLICATION_OPTIONS.timeoutMs,
  };
  assertInteger('replicas', resolved.replicas, 1, 100);
  assertInteger('timeoutMs', resolved.timeoutMs, 1, 60_000);
  return resolved;
}
