import { eventsConfigFrom } from './events.config';
import { EventsRequestError, parseEventsRequest, queryOf } from './events-request';

const config = eventsConfigFrom(() => undefined);
const parse = (query: Record<string, unknown>, lastEventId?: string) =>
  parseEventsRequest(query, lastEventId, config);

describe('parseEventsRequest', () => {
  it('defaults to shield:events, every type, new events only', () => {
    expect(parse({})).toEqual({ stream: 'shield:events', types: [], from: '$' });
  });

  it('takes the position from Last-Event-ID, else from, else the seed last_id', () => {
    expect(parse({ from: '5-0', last_id: '6-0' }, '7-1').from).toBe('7-1');
    expect(parse({ from: '5', last_id: '6-0' }).from).toBe('5-0');
    expect(parse({ last_id: '0' }).from).toBe('0-0');
    expect(parse({ from: '$' }, '  ').from).toBe('$');
  });

  it('splits and trims types, repeated or comma-separated', () => {
    expect(parse({ type: ['a, b', 'c.*', ''] }).types).toEqual(['a', 'b', 'c.*']);
  });

  it.each([
    [
      { stream: 'other' },
      /stream "other" is not served here; allowed: shield:events, shield:ingestion_queue/,
    ],
    [{ stream: ['shield:events', 'shield:events'] }, /stream must be given once/],
    [{ from: 'yesterday' }, /from must be "\$"/],
    [{ from: '>' }, /from must be/],
    [{ type: 'a*b' }, /prefix ending with \*/],
    [{ type: { a: 1 } }, /type must be a comma-separated list/],
  ])('refuses %p', (query, message) => {
    expect(() => parse(query)).toThrow(EventsRequestError);
    expect(() => parse(query)).toThrow(message);
  });

  it('refuses an invalid Last-Event-ID', () => {
    expect(() => parse({}, 'abc')).toThrow(/from must be/);
  });
});

describe('queryOf', () => {
  it('reads a request URL, repeated names as arrays, __proto__ as a plain value', () => {
    const query = queryOf('/events/ws?stream=s&type=a&type=b&__proto__=x');
    expect(Object.entries(query)).toEqual([
      ['stream', 's'],
      ['type', ['a', 'b']],
      ['__proto__', 'x'],
    ]);
    expect(Object.getPrototypeOf(query)).toBeNull();
    expect(Object.entries(queryOf(undefined))).toEqual([]);
  });
});
