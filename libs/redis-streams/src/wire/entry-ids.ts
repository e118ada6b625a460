import { InvalidOptionsError } from '../errors/redis-streams.error';

/** A stream entry id split into its two parts (`<ms>-<seq>`). */
export interface EntryIdParts {
  ms: number;
  seq: number;
}

/**
 * The one entry-id grammar: `<ms>-<seq>`, or a bare `<ms>` (sequence 0), each part 1–20 decimal digits no larger
 * than 2^64-1 — what Redis itself accepts.
 */
const ENTRY_ID = /^(\d{1,20})(?:-(\d{1,20}))?$/;
const MAX_PART = 2n ** 64n - 1n;

/** The parts of `id` when it follows the grammar, else undefined; `complete` when it has its `-<seq>`. */
function readEntryId(id: unknown): { ms: bigint; seq: bigint; complete: boolean } | undefined {
  const match = typeof id === 'string' ? ENTRY_ID.exec(id) : null;
  if (!match) {
    return undefined;
  }
  const ms = BigInt(match[1]);
  const seq = BigInt(match[2] ?? 0);
  return ms <= MAX_PART && seq <= MAX_PART ? { ms, seq, complete: match[2] !== undefined } : undefined;
}

function readOrThrow(id: string): { ms: bigint; seq: bigint } {
  const parts = readEntryId(id);
  if (!parts) {
    throw new InvalidOptionsError(`"${String(id).slice(0, 64)}" is not a stream entry id (<ms>-<seq>)`);
  }
  return parts;
}

/** Parses `ms-seq` (or a bare `ms`, seq 0); throws InvalidOptionsError on anything else. */
export function parseEntryId(id: string): EntryIdParts {
  const { ms, seq } = readOrThrow(id);
  return { ms: Number(ms), seq: Number(seq) };
}

/** True when `id` is a valid entry id (`ms-seq` or `ms`). */
export function isEntryId(id: string): boolean {
  return readEntryId(id) !== undefined;
}

/** True when `id` is a whole entry id, `ms-seq` (what XADD returns: a dead-letter record's id). */
export function isCompleteEntryId(id: string): boolean {
  return readEntryId(id)?.complete === true;
}

/** True when `id` can start a consumer group: `$` (new entries only) or an entry id (`0`: everything). */
export function isGroupStart(id: string): boolean {
  return id === '$' || isEntryId(id);
}

/** Orders two entry ids like Redis does: negative when `a` comes first. */
export function compareEntryIds(a: string, b: string): number {
  const left = readOrThrow(a);
  const right = readOrThrow(b);
  const order = left.ms === right.ms ? left.seq - right.seq : left.ms - right.ms;
  return order < 0n ? -1 : order > 0n ? 1 : 0;
}

/** The smaller of two entry ids. */
export function minEntryId(a: string, b: string): string {
  return compareEntryIds(a, b) <= 0 ? a : b;
}

/** The id right after `id`: `XTRIM MINID <next>` removes `id` and everything before it. */
export function nextEntryId(id: string): string {
  const { ms, seq } = readOrThrow(id);
  return seq < MAX_PART ? `${ms}-${seq + 1n}` : `${ms + 1n}-0`;
}

/** The time (ms since the epoch) Redis wrote into an entry id. */
export function entryIdTime(id: string): number {
  return Number(readOrThrow(id).ms);
}

/** The first possible entry id at `time` (ms since the epoch). */
export function entryIdAt(time: number): string {
  return `${Math.max(0, Math.floor(time))}-0`;
}

/**
 * Validates a start position and normalises it: `$` stays, `0` becomes `0-0`, `ms` becomes `ms-0`.
 * Throws {@link InvalidOptionsError} for anything else.
 */
export function parseTailPosition(from: string | undefined = '$'): string {
  if (from === '$') {
    return from;
  }
  const parts = readEntryId(from);
  if (!parts) {
    const shown = typeof from === 'string' ? `"${from.slice(0, 64)}"` : typeof from;
    throw new InvalidOptionsError(
      `from must be "$" (new entries only), "0" (everything) or an entry id like 1700000000000-0 (entries after it); got ${shown}`,
    );
  }
  return `${parts.ms}-${parts.seq}`;
}
