import { deadLetterStreamsOf, parseTopology } from './topology';

describe('parseTopology', () => {
  it('accepts streams and groups as maps or lists, start 0 by default', () => {
    expect(
      parseTopology({
        streams: {
          orders: { groups: ['billing', { name: 'audit', start: '$' }], minRetentionMs: 1000 },
          payments: { groups: { ledger: { start: '1700000000000-0' }, mail: null } },
        },
      }),
    ).toEqual({
      streams: [
        {
          name: 'orders',
          groups: [
            { name: 'billing', start: '0' },
            { name: 'audit', start: '$' },
          ],
          minRetentionMs: 1000,
        },
        {
          name: 'payments',
          groups: [
            { name: 'ledger', start: '1700000000000-0' },
            { name: 'mail', start: '0' },
          ],
        },
      ],
    });
    expect(parseTopology({ streams: [{ name: 'x', groups: [] }] })).toEqual({
      streams: [{ name: 'x', groups: [] }],
    });
  });

  it.each([
    [null, /expected \{ streams/],
    [{ streams: 3 }, /must be a list or a map/],
    [{ streams: {}, extra: 1 }, /unknown field\(s\) extra/],
    [{ streams: { s: { groups: ['g', 'g'] } } }, /listed twice/],
    [{ streams: [{ name: 's' }, { name: 's' }] }, /s is listed twice/],
    [{ streams: { s: { groups: [{ name: 'g', start: 'now' }] } } }, /start must be/],
    [{ streams: { s: { groups: [''] } } }, /non-empty string/],
    [{ streams: { s: { minRetentionMs: -1 } } }, /minRetentionMs/],
    [{ streams: { s: { group: ['g'] } } }, /streams\.s: unknown field\(s\) group/],
    [{ streams: { s: { deadLetterStream: 's' } } }, /streams\.s: deadLetterStream must be another stream/],
    [{ streams: { s: { deadLetterStream: ' x' } } }, /streams\.s\.deadLetterStream: a name must be/],
    [{ streams: { s: { deadLetterStream: 't' }, t: {} } }, /deadLetterStream t is also another stream's/],
    [
      { streams: { s: { deadLetterStream: 'dl' }, t: { deadLetterStream: 'dl' } } },
      /deadLetterStream dl is also another stream's/,
    ],
  ])('refuses %j with a message naming the place', (raw, message) => {
    expect(() => parseTopology(raw)).toThrow(message);
  });

  it('reads deadLetterStream per stream; deadLetterStreamsOf maps the streams that name one', () => {
    const topology = parseTopology({
      streams: { 'email.received': { deadLetterStream: 'email.received:dead_letter' }, plain: {} },
    });
    expect(topology.streams[0]).toEqual({
      name: 'email.received',
      groups: [],
      deadLetterStream: 'email.received:dead_letter',
    });
    expect(deadLetterStreamsOf(topology)).toEqual({ 'email.received': 'email.received:dead_letter' });
    expect(deadLetterStreamsOf(undefined)).toEqual({});
  });
});
