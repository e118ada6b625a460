import { BadEntryError } from '../errors/bad-entry.error';
import { encodeInformationalMessage, informationalMessageFields } from './informational-message';

const limits = { maxEntryBytes: 1024, maxDepth: 8 };

describe('informational messages', () => {
  it('carry the field list as one JSON object, and come back as the same field list', () => {
    const fields = ['type', 'agent.completed', 'data', '{"n":1}', 'event_id', 'e-1'];
    const text = encodeInformationalMessage(fields);
    expect(JSON.parse(text)).toEqual({ type: 'agent.completed', data: '{"n":1}', event_id: 'e-1' });
    expect(informationalMessageFields(Buffer.from(text), limits).map(String)).toEqual(fields);
  });

  it('turn non-string values of a plain JSON object into JSON text', () => {
    const fields = informationalMessageFields(Buffer.from('{"size":42,"tags":["a"],"ok":true}'), limits);
    expect(fields.map(String)).toEqual(['size', '42', 'tags', '["a"]', 'ok', 'true']);
  });

  it.each([
    ['not json', 'invalid-json'],
    ['[1,2]', 'invalid-json'],
    ['"text"', 'invalid-json'],
    ['{"__proto__":{"x":1}}', 'prototype-pollution'],
    [`{"a":"${'x'.repeat(2000)}"}`, 'too-large'],
    ['{"a":[[[[[[[[[[1]]]]]]]]]]}', 'too-deep'],
  ])('refuse %s (%s)', (text, reason) => {
    let caught: unknown;
    try {
      informationalMessageFields(Buffer.from(text), limits);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadEntryError);
    expect((caught as BadEntryError).reason).toBe(reason);
  });
});
