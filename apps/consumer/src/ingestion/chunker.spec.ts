import { DEFAULT_CHUNK_SIZE, chunkText } from './chunker';

const words = (count: number, word = 'lorem'): string => Array.from({ length: count }, () => word).join(' ');

describe('chunkText', () => {
  it('gives one chunk for a short text, trimmed', () => {
    expect(chunkText('  hello world \n')).toEqual(['hello world']);
  });

  it('gives no chunk for an empty or blank text', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText(' \n\t\r\n ')).toEqual([]);
  });

  it('keeps every chunk non-empty and at most the maximum, about 1000 characters by default', () => {
    const text = words(5000);
    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThan(1);
    chunks.forEach((chunk, index) => {
      if (index < chunks.length - 1) {
        expect(chunk.length).toBeGreaterThan(DEFAULT_CHUNK_SIZE / 2);
      }
      expect(chunk.length).toBeLessThanOrEqual(DEFAULT_CHUNK_SIZE);
      expect(chunk.trim()).toBe(chunk);
    });
    expect(chunks.join(' ')).toBe(text);
  });

  it('cuts at whitespace, never inside a word, and loses no word', () => {
    const text = words(3000, 'abcdefg');
    const chunks = chunkText(text, 100);
    for (const chunk of chunks) {
      expect(chunk).toMatch(/^(abcdefg )*abcdefg$/);
    }
    expect(chunks.join(' ')).toBe(text);
  });

  it('prefers a paragraph break over a later line break or space', () => {
    const first = words(60, 'aaaa'); // 299 characters
    const second = `${words(10, 'bbbb')}\n${words(30, 'cccc')}`;
    const chunks = chunkText(`${first}\n\n${second}`, 400);
    expect(chunks[0]).toBe(first);
    expect(chunks[1]).toBe(second);
  });

  it('prefers a line break over a later space', () => {
    const line = words(40, 'dddd'); // 199 characters
    const chunks = chunkText(`${line}\n${words(20, 'eeee')}`, 250);
    expect(chunks[0]).toBe(line);
  });

  it('treats a line of spaces or \\r\\n between paragraphs as a paragraph break', () => {
    const first = words(60, 'ffff');
    const chunks = chunkText(`${first}\r\n  \r\n${words(10, 'gggg')}\n${words(30, 'hhhh')}`, 400);
    expect(chunks[0]).toBe(first);
  });

  it('splits a text without any whitespace at the maximum, never inside a surrogate pair', () => {
    expect(chunkText('x'.repeat(2500))).toEqual(['x'.repeat(1000), 'x'.repeat(1000), 'x'.repeat(500)]);
    const emoji = '😀'.repeat(10); // 20 UTF-16 code units
    const chunks = chunkText(`a${emoji}`, 4);
    expect(chunks.join('')).toBe(`a${emoji}`);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(4);
      expect(chunk).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    }
  });

  it('does not cut before half the window for a boundary (no tiny chunks)', () => {
    const text = `ab ${'x'.repeat(200)}`;
    expect(chunkText(text, 100)[0]).toHaveLength(100);
  });

  it('splits 1 MiB of text quickly', () => {
    const text = 'y'.repeat(1024 * 1024);
    const started = Date.now();
    expect(chunkText(text)).toHaveLength(Math.ceil(text.length / DEFAULT_CHUNK_SIZE));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses a maximum below 2', () => {
    expect(() => chunkText('abc', 1)).toThrow(RangeError);
  });
});
