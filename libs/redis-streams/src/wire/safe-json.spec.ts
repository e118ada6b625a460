import { BadEntryError } from '../errors/bad-entry.error';
import { jsonDepthExceeds, parseJsonSafely } from './safe-json';

describe('jsonDepthExceeds', () => {
  it('counts brackets outside strings only', () => {
    expect(jsonDepthExceeds('{"a":"[[[[[[[["}', 1)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":1}}', 1)).toBe(true);
    expect(jsonDepthExceeds('{"a":"\\"[[["}', 1)).toBe(false);
    expect(jsonDepthExceeds('['.repeat(100_000), 64)).toBe(true);
  });

  it('gives the same answer on the fast path (few brackets) and the full scan (many, mostly in strings or wide)', () => {
    const wide = JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ i })));
    expect(jsonDepthExceeds(wide, 64)).toBe(false);
    expect(jsonDepthExceeds(wide, 1)).toBe(true);
    const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
    expect(jsonDepthExceeds(nested(64), 64)).toBe(false);
    expect(jsonDepthExceeds(nested(65), 64)).toBe(true);
    expect(jsonDepthExceeds('{"a":[1,{"b":[2]}]}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"a":[1,{"b":[2]}]}', 3)).toBe(true);
  });
});

describe('parseJsonSafely', () => {
  it('parses ordinary JSON', () => {
    expect(parseJsonSafely('{"a":[1,2,{"b":null}]}', 8)).toEqual({ a: [1, 2, { b: null }] });
    expect(parseJsonSafely('{"a":"\\u00e9t\\u00e9"}', 8)).toEqual({ a: 'été' });
    expect(parseJsonSafely('\ufeff{"bom":true}', 8)).toEqual({ bom: true });
    expect(parseJsonSafely('{"note":"the constructor of __proto__ talks"}', 8)).toEqual({
      note: 'the constructor of __proto__ talks',
    });
  });

  const reasonOf = (text: string): string => {
    try {
      parseJsonSafely(text, 8);
    } catch (error) {
      return error instanceof BadEntryError ? error.reason : 'not a BadEntryError';
    }
    return 'parsed';
  };

  it.each([
    ['{"__proto__":{"x":1}}', 'prototype-pollution'],
    ['{"\\u005f_proto__":{"x":1}}', 'prototype-pollution'],
    ['{"a":{"__pr\\u006fto__":{"x":1}}}', 'prototype-pollution'],
    ['{"constructor":{"prototype":{"x":1}}}', 'prototype-pollution'],
    ['{"c\\u006fnstructor":{"prototype":{"x":1}}}', 'prototype-pollution'],
    ['{"a":', 'invalid-json'],
    ['{"a":"\\u00e9"', 'invalid-json'],
  ])('refuses %s (%s) on either path', (text, reason) => {
    expect(reasonOf(text)).toBe(reason);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
