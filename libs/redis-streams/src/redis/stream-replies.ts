/** One stream entry as Redis returned it: `fields` is null when the entry was deleted while pending. */
export interface RawEntry {
  id: string;
  fields: Buffer[] | null;
  /** Deliveries to the group so far, this one included, when Redis told (PEL re-reads, reclaims). */
  deliveries?: number;
}

/** The entries of one stream in an XREADGROUP reply. */
export interface StreamBatch {
  stream: string;
  entries: RawEntry[];
}

/** One row of `XPENDING key group start end count [consumer]`. */
export interface PendingRow {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

function text(value: unknown): string {
  if (Buffer.isBuffer(value)) {
    return value.toString();
  }
  if (typeof value === 'string') {
    return value;
  }
  throw new TypeError('unexpected reply shape from Redis');
}

/**
 * Parses an XREAD / XREADGROUP reply read with `callBuffer` (nil → no batches). RESP2 sends a list of
 * `[stream, entries]` pairs; RESP3 (ioredis 6's default) a map, which arrives flattened as `stream, entries, …`.
 */
export function parseReadReply(reply: unknown): StreamBatch[] {
  if (reply === null || reply === undefined) {
    return [];
  }
  if (!Array.isArray(reply)) {
    throw new TypeError('unexpected XREADGROUP reply shape');
  }
  const pairs: unknown[][] = [];
  if (reply.length > 0 && !Array.isArray(reply[0])) {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      pairs.push([reply[i], reply[i + 1]]);
    }
  } else {
    pairs.push(...(reply as unknown[][]));
  }
  return pairs.map((item): StreamBatch => {
    if (!Array.isArray(item) || item.length !== 2 || !Array.isArray(item[1])) {
      throw new TypeError('unexpected XREADGROUP reply shape');
    }
    const entries = (item[1] as unknown[]).map((entry): RawEntry => {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError('unexpected stream entry shape');
      }
      const fields = entry[1] as unknown;
      if (fields !== null && !Array.isArray(fields)) {
        throw new TypeError('unexpected stream entry fields');
      }
      return { id: text(entry[0]), fields: fields === null ? null : (fields as Buffer[]) };
    });
    return { stream: text(item[0]), entries };
  });
}

/** Parses the extended form of XPENDING. */
export function parsePendingReply(reply: unknown): PendingRow[] {
  if (!Array.isArray(reply)) {
    throw new TypeError('unexpected XPENDING reply shape');
  }
  return reply.map((row: unknown): PendingRow => {
    if (!Array.isArray(row) || row.length !== 4) {
      throw new TypeError('unexpected XPENDING row shape');
    }
    return { id: text(row[0]), consumer: text(row[1]), idleMs: Number(row[2]), deliveries: Number(row[3]) };
  });
}
