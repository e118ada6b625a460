import { RawEntry } from '../redis/stream-replies';
import type { HeldEntry } from './in-flight';

/** Fields the transport adds to an entry it puts in a retry lane (never shown to handlers). */
export const LANE_FIELDS = {
  originalId: 'retry_original_id',
  deliveries: 'retry_deliveries',
  firstFailure: 'retry_first_failure',
  /** The dead-letter record an operator redrove this entry from. */
  redrivenFrom: 'retry_redriven_from',
} as const;

const LANE_FIELD_NAMES: ReadonlySet<string> = new Set(Object.values(LANE_FIELDS));

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
}

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
  const fields: Buffer[] = [];
  const meta = new Map<string, string>();
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    const name = entry.fields[i].toString();
    if (LANE_FIELD_NAMES.has(name)) {
      meta.set(name, entry.fields[i + 1].toString());
    } else {
      fields.push(entry.fields[i], entry.fields[i + 1]);
    }
  }
  return {
    readKey,
    stream,
    lane,
    id: entry.id,
    originalId: meta.get(LANE_FIELDS.originalId) ?? entry.id,
    fields,
    deliveryCount: Number(meta.get(LANE_FIELDS.deliveries) ?? 0) + deliveryCount,
    firstFailure: meta.get(LANE_FIELDS.firstFailure) || undefined,
    redrivenFrom: meta.get(LANE_FIELDS.redrivenFrom),
    held,
  };
}
