import type { RedisConnection } from '../redis/redis-connection';
import { redisErrorCode } from '../errors/describe-error';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { Topology } from './topology';

/** A group `applyTopology` looked at. */
export interface ProvisionedGroup {
  stream: string;
  group: string;
  start: string;
}

/** What `applyTopology` did: `created` is empty when everything already existed. */
export interface ProvisionResult {
  created: ProvisionedGroup[];
  existing: ProvisionedGroup[];
}

/**
 * Creates every stream (MKSTREAM) and group of `topology` that does not exist yet. Idempotent: an existing group
 * is left exactly where it is (BUSYGROUP), never moved or reset; running it twice changes nothing the second time.
 */
export async function applyTopology(redis: RedisConnection, topology: Topology): Promise<ProvisionResult> {
  const result: ProvisionResult = { created: [], existing: [] };
  for (const stream of topology.streams) {
    const type = await redis.type(stream.name);
    if (type !== 'none' && type !== 'stream') {
      throw new InvalidOptionsError(`${stream.name} exists but is a ${type}, not a stream`);
    }
    if (stream.groups.length === 0 && type === 'none') {
      // A stream without groups: create it empty (XADD + XDEL would leave a ghost id; a throwaway group does not).
      await redis.xgroup('CREATE', stream.name, '__provision__', '$', 'MKSTREAM');
      await redis.xgroup('DESTROY', stream.name, '__provision__');
    }
    for (const group of stream.groups) {
      const entry = { stream: stream.name, group: group.name, start: group.start };
      try {
        await redis.xgroup('CREATE', stream.name, group.name, group.start, 'MKSTREAM');
        result.created.push(entry);
      } catch (error) {
        if (redisErrorCode(error) !== 'BUSYGROUP') {
          throw error;
        }
        result.existing.push(entry);
      }
    }
  }
  return result;
}
