/** Target (and largest) chunk length, in UTF-16 code units. */
export const DEFAULT_CHUNK_SIZE = 1000;

const WHITESPACE = /\s/;

/**
 * Splits `text` into chunks of at most `maxChars` characters, cutting at the last paragraph break (blank line) of a
 * window, else its last line break, else its last whitespace — as long as that keeps the chunk at least half full —
 * else in the middle of a word (never inside a surrogate pair). Chunks are trimmed and never empty; a text with any
 * non-whitespace character gives at least one chunk, a blank text gives none. Pure function.
 */
export function chunkText(text: string, maxChars: number = DEFAULT_CHUNK_SIZE): string[] {
  if (!Number.isInteger(maxChars) || maxChars < 2) {
    throw new RangeError(`maxChars must be an integer of at least 2 (got ${maxChars})`);
  }
  const chunks: string[] = [];
  let start = skipWhitespace(text, 0);
  while (start < text.length) {
    const limit = start + maxChars;
    const end = limit >= text.length ? text.length : boundaryBefore(text, start, limit);
    const chunk = text.slice(start, end).trim();
    if (chunk.length > 0) {
      chunks.push(chunk);
    }
    start = skipWhitespace(text, end);
  }
  return chunks;
}

/**
 * Where to cut a chunk that starts at `start` and may not reach past `limit` (exclusive); always > `start`.
 * One backward scan of the window's second half: O(maxChars) per chunk, whatever the text looks like.
 */
function boundaryBefore(text: string, start: number, limit: number): number {
  const floor = start + Math.floor((limit - start) / 2);
  let line = -1;
  let space = -1;
  for (let i = limit; i > floor; i--) {
    const char = text[i];
    if (char === '\n') {
      if (startsBlankLine(text, i + 1)) {
        return i; // the last paragraph break: the best place there is
      }
      line = line === -1 ? i : line;
    } else if (space === -1 && WHITESPACE.test(char)) {
      space = i;
    }
  }
  if (line !== -1) {
    return line;
  }
  if (space !== -1) {
    return space;
  }
  return isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;
}

/** True when the line starting at `from` is blank (only spaces, tabs or `\r` before its `\n`). */
function startsBlankLine(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      return true;
    }
    if (char !== ' ' && char !== '\t' && char !== '\r') {
      return false;
    }
  }
  return false;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.test(text[i])) {
    i++;
  }
  return i;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
