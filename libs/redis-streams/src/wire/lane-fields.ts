/**
 * Fields the transport adds to an entry it puts in a retry lane (never shown to handlers). The Lua steps that write
 * lane entries (promote-retries, redrive-dead-letter) spell the same names; wire-spelling.spec.ts checks they agree.
 */
export const LANE_FIELDS = {
  originalId: 'retry_original_id',
  deliveries: 'retry_deliveries',
  firstFailure: 'retry_first_failure',
  /** The dead-letter record an operator redrove this entry from. */
  redrivenFrom: 'retry_redriven_from',
} as const;

const LANE_FIELD_NAMES: ReadonlySet<string> = new Set(Object.values(LANE_FIELDS));

/** The bookkeeping of one retry: what {@link encodeLaneFields} writes and {@link readLaneEntry} reads back. */
export interface LaneBookkeeping {
  /** Its id in the source stream (stable across retries). */
  originalId: string;
  /** Deliveries to the group so far. */
  deliveries: number;
  /** When it first failed (ISO-8601). */
  firstFailure: string;
  /** The dead-letter record an operator redrove it from. */
  redrivenFrom?: string;
}

/** A lane entry split into the entry's own fields and the lane bookkeeping (absent fields undefined). */
export interface LaneEntry {
  /** The entry's own fields, in order, bookkeeping removed. */
  fields: Buffer[];
  originalId: string | undefined;
  /** `retry_deliveries` as a number; 0 when absent. */
  deliveries: number;
  /** Undefined when absent or empty (a redriven record that had no first failure time). */
  firstFailure: string | undefined;
  redrivenFrom: string | undefined;
}

/** The bookkeeping field/value pairs appended to an entry's own fields when it is scheduled for a retry. */
export function encodeLaneFields(bookkeeping: LaneBookkeeping): string[] {
  const fields: string[] = [
    LANE_FIELDS.originalId,
    bookkeeping.originalId,
    LANE_FIELDS.deliveries,
    String(bookkeeping.deliveries),
    LANE_FIELDS.firstFailure,
    bookkeeping.firstFailure,
  ];
  if (bookkeeping.redrivenFrom) {
    fields.push(LANE_FIELDS.redrivenFrom, bookkeeping.redrivenFrom);
  }
  return fields;
}

/** Splits the fields of a lane entry (as read) into the entry's own fields and the bookkeeping. */
export function readLaneEntry(raw: readonly Buffer[]): LaneEntry {
  const fields: Buffer[] = [];
  const meta = new Map<string, string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString();
    if (LANE_FIELD_NAMES.has(name)) {
      meta.set(name, raw[i + 1].toString());
    } else {
      fields.push(raw[i], raw[i + 1]);
    }
  }
  return {
    fields,
    originalId: meta.get(LANE_FIELDS.originalId),
    deliveries: Number(meta.get(LANE_FIELDS.deliveries) ?? 0),
    firstFailure: meta.get(LANE_FIELDS.firstFailure) || undefined,
    redrivenFrom: meta.get(LANE_FIELDS.redrivenFrom),
  };
}
