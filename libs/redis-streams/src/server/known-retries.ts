import type { RedisConnection } from '../redis/redis-connection';
import { ResolvedRoute } from '../options/routing-options';
import { orderingKeyOf } from '../options/ordering-key';
import { DecodeLimits, decodeEntry } from '../wire/entry-decoder';
import { readLaneEntry } from '../wire/lane-fields';
import { StreamKeys } from '../wire/stream-keys';

/** A retry of an ordered stream already on its way: its ordering key waits for it. */
export interface KnownRetry {
  key: string;
  originalId: string;
  /** When it is due (epoch ms; now for one already in the lane). */
  dueMs: number;
}

/**
 * The retries of `group` on ordered `stream` that are scheduled or already in its retry lane, with their ordering
 * keys: what a consumer taking the stream over must park before it handles anything of those keys. Entries that
 * cannot be decoded or carry no key are left out (they are not ordered).
 */
export async function knownRetries(
  commands: RedisConnection,
  stream: string,
  group: string,
  route: ResolvedRoute,
  limits: DecodeLimits,
): Promise<KnownRetry[]> {
  const path = route.orderingKey;
  if (!path) {
    return [];
  }
  const found: KnownRetry[] = [];
  const note = (raw: Buffer[], dueMs: number): void => {
    const lane = readLaneEntry(raw);
    try {
      const key = orderingKeyOf(decodeEntry(lane.fields, route, limits).data, path);
      if (key !== undefined && lane.originalId !== undefined) {
        found.push({ key, originalId: lane.originalId, dueMs });
      }
    } catch {
      // not decodable: it will be dead-lettered when it comes back, unordered
    }
  };
  const schedule = await commands.zrange(StreamKeys.retrySchedule(stream, group), '0', '-1', 'WITHSCORES');
  for (let i = 0; i + 1 < schedule.length; i += 2) {
    try {
      const fields = JSON.parse(schedule[i]) as string[];
      note(
        fields.map((field) => Buffer.from(field)),
        Number(schedule[i + 1]),
      );
    } catch {
      // a member this library did not write: the promoter dead-letters it
    }
  }
  const now = Date.now();
  for (const [, fields] of await commands.xrangeBuffer(StreamKeys.retryLane(stream, group), '-', '+')) {
    note(fields, now);
  }
  return found;
}
