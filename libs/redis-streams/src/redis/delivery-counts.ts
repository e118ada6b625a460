import type { Redis } from 'ioredis';
import { RawEntry, parsePendingReply } from './stream-replies';

/**
 * Delivery counts of entries this consumer just received (XREADGROUP from its PEL, XAUTOCLAIM), from one
 * `XPENDING key group first last count consumer`: neither read reply carries them.
 */
export async function deliveryCounts(
  commands: Redis,
  key: string,
  group: string,
  consumer: string,
  entries: RawEntry[],
): Promise<Map<string, number>> {
  if (entries.length === 0) {
    return new Map();
  }
  const reply = await commands.call(
    'XPENDING',
    key,
    group,
    entries[0].id,
    entries[entries.length - 1].id,
    String(entries.length),
    consumer,
  );
  return new Map(parsePendingReply(reply).map((row) => [row.id, row.deliveries]));
}
