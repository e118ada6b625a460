import { RawEntry } from '../redis/stream-replies';
import { readLaneEntry } from '../wire/lane-fields';
import type { HeldEntry } from './in-flight';

/** One delivery as the dispatcher sees it, whether it came from the stream or from the retry lane. */
export interface Delivery {
  /** The key it was read from (stream or lane): acknowledgements go there. */
  readKey: string;
  /** The source stream. */
  stream: string;
  lane: boolean;
  /** Its id in `readKey`. */
  id: string;
  /** Its id in the source stream (stable across retries). */
  originalId: string;
  /** The entry's own fields (lane bookkeeping removed); null when deleted while pending. */
  fields: Buffer[] | null;
  /** Deliveries to this group so far, this one included (retries and crash redeliveries count). */
  deliveryCount: number;
  /** When it first failed (ISO-8601), for entries back from a retry. */
  firstFailure: string | undefined;
  /** The dead-letter record it was redriven from, if an operator redrove it. */
  redrivenFrom?: string;
  /** Its slot in this process (lease renewal, abort signal). */
  held: HeldEntry;
  /** Set when it was scheduled for a retry: the delay (ms). An ordered key parks behind it. */
  retryDelayMs?: number;
  /** Its ordering key (stream and payload key), once the dispatcher sequenced it on an ordered route. */
  orderingKey?: string;
  /** True when it was queued behind an earlier entry of its ordering key: let go, to be fetched again in its turn. */
  queuedBehindKey?: boolean;
  /** Set for an idempotent handler: acknowledges through its commit (marker, effects and XACK in one Lua step). */
  commit?: () => Promise<void>;
}

/**
 * A delivery waiting behind an earlier entry of its ordering key, without its fields and slot: it stays in this
 * consumer's PEL and is fetched again (XRANGE) when its turn comes, so a parked key cannot fill the slots.
 */
export type QueuedDelivery = Omit<Delivery, 'fields' | 'held'>;

/** Splits a lane entry into the original fields and the bookkeeping, and counts its deliveries. */
export function toDelivery(
  readKey: string,
  stream: string,
  lane: boolean,
  entry: RawEntry,
  deliveryCount: number,
  held: HeldEntry,
): Delivery {
  if (!lane || entry.fields === null) {
    return {
      readKey,
      stream,
      lane,
      id: entry.id,
      originalId: entry.id,
      fields: entry.fields,
      deliveryCount,
      firstFailure: undefined,
      held,
    };
  }
  const bookkeeping = readLaneEntry(entry.fields);
  return {
    readKey,
    stream,
    lane,
    id: entry.id,
    originalId: bookkeeping.originalId ?? entry.id,
    fields: bookkeeping.fields,
    deliveryCount: bookkeeping.deliveries + deliveryCount,
    firstFailure: bookkeeping.firstFailure,
    redrivenFrom: bookkeeping.redrivenFrom,
    held,
  };
}
