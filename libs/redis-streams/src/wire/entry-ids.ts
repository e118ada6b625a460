import { InvalidOptionsError } from '../errors/redis-streams.error';

/** A stream entry id split into its two parts (`<ms>-<seq>`). */
export interface EntryIdParts {
  ms: number;
  seq: number;
}

const ENTRY_ID = /^(\d{1,16})(?:-(\d{1,16}))?$/;

/** Parses `ms-seq` (or a bare `ms`, seq 0); throws InvalidOptionsError on anything else. */
export function parseEntryId(id: string): EntryIdParts {
  const match = ENTRY_ID.exec(id);
  if (!match) {
    throw new InvalidOptionsError(`"${id.slice(0, 64)}" is not a stream entry id (<ms>-<seq>)`);
  }
  return { ms: Number(match[1]), seq: Number(match[2] ?? 0) };
}

/** True when `id` is a valid entry id (`ms-seq` or `ms`). */
export function isEntryId(id: string): boolean {
  return ENTRY_ID.test(id);
}

/** Orders two entry ids like Redis does: negative when `a` comes first. */
export function compareEntryIds(a: string, b: string): number {
  const left = parseEntryId(a);
  const right = parseEntryId(b);
  return left.ms - right.ms || left.seq - right.seq;
}

/** The smaller of two entry ids. */
export function minEntryId(a: string, b: string): string {
  return compareEntryIds(a, b) <= 0 ? a : b;
}

/** The id right after `id`: `XTRIM MINID <next>` removes `id` and everything before it. */
export function nextEntryId(id: string): string {
  const { ms, seq } = parseEntryId(id);
  return `${ms}-${seq + 1}`;
}

/** The time (ms since the epoch) Redis wrote into an entry id. */
export function entryIdTime(id: string): number {
  return parseEntryId(id).ms;
}

/** The first possible entry id at `time` (ms since the epoch). */
export function entryIdAt(time: number): string {
  return `${Math.max(0, Math.floor(time))}-0`;
}
