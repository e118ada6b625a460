import secureJson from 'secure-json-parse';
import { BadEntryError } from '../errors/bad-entry.error';
import { DEAD_LETTER_REASONS } from './dead-letter-reasons';

/**
 * The nesting depth of a JSON text, counted without parsing it (brackets outside strings), stopping early
 * once `limit` is passed. Node parses 10⁶ levels happily but cannot stringify 10⁴, so depth is checked first.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  if (openingBracketsAtMost(text, limit)) {
    return false; // depth never exceeds the number of opening brackets: most payloads end here, natively fast
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) {
        i++;
      } else if (code === 0x22 /* " */) {
        inString = false;
      }
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (++depth > limit) {
        return true;
      }
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}

/** True when `text` has at most `limit` `{` and `[` characters (counted with native `indexOf`, stopping early). */
function openingBracketsAtMost(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      if (++count > limit) {
        return false;
      }
    }
  }
  return true;
}

/**
 * Parses JSON written by anyone: depth-capped, and refusing `__proto__` and `constructor.prototype` keys
 * (secure-json-parse) so a payload can never replace a prototype.
 */
export function parseJsonSafely(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new BadEntryError(DEAD_LETTER_REASONS.tooDeep, `JSON nested deeper than ${maxDepth}`);
  }
  if (cannotNamePrototype(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new BadEntryError(DEAD_LETTER_REASONS.invalidJson, 'not valid JSON');
    }
  }
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/prototype/i.test(message)) {
      throw new BadEntryError(
        DEAD_LETTER_REASONS.prototypePollution,
        'JSON has a __proto__ or constructor.prototype key',
      );
    }
    throw new BadEntryError(DEAD_LETTER_REASONS.invalidJson, 'not valid JSON');
  }
}

/**
 * True when no key in `text` can spell `__proto__` or `constructor`: neither appears literally and there is no
 * `\u` escape (JSON's other escapes never produce a letter or `_`). Then plain `JSON.parse` is as safe as
 * secure-json-parse, without its two regex scans per payload. A leading BOM (which secure-json-parse strips) takes
 * the long way too.
 */
function cannotNamePrototype(text: string): boolean {
  return (
    text.indexOf('\\u') === -1 &&
    text.indexOf('__proto__') === -1 &&
    text.indexOf('constructor') === -1 &&
    text.charCodeAt(0) !== 0xfeff
  );
}
