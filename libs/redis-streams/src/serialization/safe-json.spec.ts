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
  });
});
