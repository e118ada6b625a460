import secureJson from 'secure-json-parse';
import { BadEntryError } from '../errors/bad-entry.error';

/**
 * The nesting depth of a JSON text, counted without parsing it (brackets outside strings), stopping early
 * once `limit` is passed. Node parses 10⁶ levels happily but cannot stringify 10⁴, so depth is checked first.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
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

/**
 * Parses JSON written by anyone: depth-capped, and refusing `__proto__` and `constructor.prototype` keys
 * (secure-json-parse) so a payload can never replace a prototype.
 */
export function parseJsonSafely(text: string, maxDepth: number): unknown {
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new BadEntryError('too-deep', `JSON nested deeper than ${maxDepth}`);
  }
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/prototype/i.test(message)) {
      throw new BadEntryError('prototype-pollution', 'JSON has a __proto__ or constructor.prototype key');
    }
    throw new BadEntryError('invalid-json', 'not valid JSON');
  }
}
