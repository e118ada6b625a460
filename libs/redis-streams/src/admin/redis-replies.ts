/** Turns a flat `name, value, name, value …` reply (XINFO in RESP2 and RESP3 as ioredis delivers them) into a record. */
export function replyRecord(reply: unknown): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  if (!Array.isArray(reply)) {
    return record;
  }
  for (let i = 0; i + 1 < reply.length; i += 2) {
    record[String(reply[i])] = reply[i + 1];
  }
  return record;
}

/** A reply value as a number (null when Redis sent nil or something else). */
export function replyNumber(value: unknown): number | null {
  if (value === null || value === undefined) {
    return null;
  }
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/** A reply value as a string (null when Redis sent nil). */
export function replyString(value: unknown): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (Buffer.isBuffer(value)) {
    return value.toString();
  }
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}
