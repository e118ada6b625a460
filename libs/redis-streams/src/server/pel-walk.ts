import type { RedisConnection } from '../redis/redis-connection';
import { RedisScripts } from '../lua/scripts';
import { RawEntry, parsePendingReply } from '../redis/stream-replies';
import { InFlight } from './in-flight';

/** What a walk of this consumer's PEL needs. */
export interface PelWalkDeps {
  /** Shared command connection (XPENDING, the claim, CLIENT UNBLOCK, XGROUP CREATE). */
  commands: RedisConnection;
  scripts: RedisScripts;
  group: string;
  consumer: string;
  batchSize: number;
  inFlight: InFlight;
  /** True while an entry is held here or waits for its XACK: a PEL re-read must not touch it. */
  isSettling(stream: string, id: string): boolean;
  /** Entries to handle; PEL re-reads carry their delivery counts (new entries are on their first delivery). */
  onEntries(stream: string, entries: RawEntry[]): void;
  /** Entries deleted from the stream while pending, found by a PEL re-read (now out of the PEL). */
  onDeleted(stream: string, ids: string[]): void;
  /** Resolves false when this process must not take entries (it lost its consumer name). */
  mayTake(): boolean | Promise<boolean>;
}

/**
 * Re-claims, page by page, the entries of this consumer's PEL on `stream` that this process neither holds nor is
 * acknowledging: the page is listed with XPENDING (which touches nothing) and claimed by claim-own-pending, which
 * skips any entry no longer this consumer's and returns each delivery count. `room` waits for free slots and says
 * whether to go on.
 */
export async function walkOwnPel(
  deps: PelWalkDeps,
  stream: string,
  room: () => Promise<boolean>,
): Promise<void> {
  let start = '-';
  while ((await room()) && (await deps.mayTake())) {
    const count = Math.max(1, Math.min(deps.batchSize, deps.inFlight.free()));
    const rows = parsePendingReply(
      await deps.commands.call('XPENDING', stream, deps.group, start, '+', String(count), deps.consumer),
    );
    if (rows.length === 0) {
      return;
    }
    start = `(${rows[rows.length - 1].id}`;
    const ids = rows.map((row) => row.id).filter((id) => !deps.isSettling(stream, id));
    if (ids.length === 0) {
      continue;
    }
    const { entries, deleted } = await deps.scripts.claimOwnPending(stream, deps.group, deps.consumer, ids);
    if (deleted.length > 0) {
      deps.onDeleted(stream, deleted);
    }
    deps.onEntries(stream, entries);
  }
}
