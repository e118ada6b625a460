import { EVENTS_DEFAULTS, eventsConfigFrom } from './events.config';

const from = (env: Record<string, string>) => eventsConfigFrom((name) => env[name]);

describe('eventsConfigFrom', () => {
  it('defaults: the two seed streams, shield:events first, 15 s heartbeat, 100 streams', () => {
    expect(from({})).toEqual({
      streams: ['shield:events', 'shield:ingestion_queue'],
      defaultStream: 'shield:events',
      heartbeatMs: 15_000,
      maxStreams: 100,
      retryAfterSeconds: EVENTS_DEFAULTS.retryAfterSeconds,
    });
  });

  it('reads EVENTS_STREAMS (trimmed, deduplicated) and the numbers', () => {
    const config = from({
      EVENTS_STREAMS: ' a , b,,a, shield:events ',
      EVENTS_HEARTBEAT_MS: '250',
      EVENTS_MAX_STREAMS: '3',
    });
    expect(config).toMatchObject({
      streams: ['a', 'b', 'shield:events'],
      defaultStream: 'shield:events',
      heartbeatMs: 250,
      maxStreams: 3,
    });
  });

  it('defaults to the first listed stream when shield:events is not allowed; blank means default', () => {
    expect(from({ EVENTS_STREAMS: 'x,y' }).defaultStream).toBe('x');
    expect(from({ EVENTS_STREAMS: ' , ', EVENTS_MAX_STREAMS: '' })).toMatchObject({
      streams: ['shield:events', 'shield:ingestion_queue'],
      maxStreams: 100,
    });
  });

  it.each([
    ['EVENTS_HEARTBEAT_MS', 'soon'],
    ['EVENTS_HEARTBEAT_MS', '5'],
    ['EVENTS_MAX_STREAMS', '0'],
    ['EVENTS_MAX_STREAMS', '1.5'],
    ['EVENTS_MAX_STREAMS', '-1'],
  ])('refuses %s=%p', (name, value) => {
    expect(() => from({ [name]: value })).toThrow(new RegExp(`^${name} must be an integer`));
  });
});
