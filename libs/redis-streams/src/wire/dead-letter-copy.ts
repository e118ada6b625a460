import { DEAD_LETTER_FIELDS } from './dead-letter-fields';

/** Bounds on the copy of an entry's own fields kept in its dead-letter record. */
export interface DeadLetterCopyLimits {
  /** Longest name or value copied (bytes); a longer one is cut. */
  maxFieldBytes: number;
  /** Most field pairs copied. */
  maxFields: number;
  /** Most bytes copied, names and values together. */
  maxBytes: number;
}

/** The field that marks a record whose copy was cut: such a record cannot be redriven. */
const TRUNCATED_FIELDS: readonly Buffer[] = [Buffer.from(DEAD_LETTER_FIELDS.truncated), Buffer.from('true')];

/**
 * The entry's fields as written, in order, for its dead-letter record, within `limits` (whole pairs, a value cut
 * to what is left of the byte budget), followed by the truncated marker (`true`) when anything was left out or cut. A
 * too-large entry is recorded, not copied whole — and the record stays within what the Lua step can pass on.
 */
export function cappedOriginal(fields: Buffer[] | null, limits: DeadLetterCopyLimits): Buffer[] {
  const all = fields ?? [];
  const copy: Buffer[] = [];
  let budget = limits.maxBytes;
  let truncated = false;
  for (let i = 0; i + 1 < all.length; i += 2) {
    if (copy.length >> 1 >= limits.maxFields) {
      truncated = true;
      break;
    }
    const name = cut(all[i], Math.min(limits.maxFieldBytes, budget));
    const value = cut(all[i + 1], Math.min(limits.maxFieldBytes, budget - name.length));
    if (name.length < all[i].length || value.length < all[i + 1].length) {
      truncated = true;
    }
    if (name.length === 0 && all[i].length > 0) {
      break; // the budget is spent
    }
    copy.push(name, value);
    budget -= name.length + value.length;
  }
  if (truncated) {
    copy.push(...TRUNCATED_FIELDS);
  }
  return copy;
}

function cut(field: Buffer, max: number): Buffer {
  return field.length > max ? field.subarray(0, Math.max(0, max)) : field;
}
