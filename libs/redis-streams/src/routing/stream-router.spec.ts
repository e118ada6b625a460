import { InvalidOptionsError } from '../errors/redis-streams.error';
import { StreamRouter } from './stream-router';

describe('StreamRouter', () => {
  const router = new StreamRouter({
    streamPrefix: 'app:',
    routes: [
      { stream: 'shield:ingestion_queue', patterns: ['ingestion.requested'], codec: 'auto' },
      { stream: 'shield:events', patterns: ['ingestion.*'] },
    ],
  });

  it('sends a pattern to the first route that carries it', () => {
    expect(router.streamFor('ingestion.requested')).toBe('shield:ingestion_queue');
    expect(router.streamFor('ingestion.progress')).toBe('shield:events');
    expect(router.routeForPattern('ingestion.progress').shared).toBe(true);
    expect(router.routeForPattern('ingestion.requested')).toMatchObject({ shared: false, codec: 'auto' });
  });

  it('routes a wildcard handler pattern to the route with that wildcard', () => {
    expect(router.streamFor('ingestion.*')).toBe('shield:events');
  });

  it('gives unrouted patterns their own prefixed stream, and refuses unrouted wildcards', () => {
    expect(router.routeForPattern('order.created')).toEqual({
      stream: 'app:order.created',
      patterns: ['order.created'],
      codec: 'envelope',
      shared: false,
      unknownTypes: 'skip',
      writeCodec: 'envelope',
      extraFields: [],
    });
    expect(() => router.streamFor('order.*')).toThrow(InvalidOptionsError);
  });

  it('validates routes', () => {
    expect(() => new StreamRouter({ routes: [{ stream: '', patterns: ['a'] }] })).toThrow(/stream/);
    expect(() => new StreamRouter({ routes: [{ stream: 's', patterns: [] }] })).toThrow(/at least one/);
    expect(() => new StreamRouter({ routes: [{ stream: 's', patterns: ['a*b'] }] })).toThrow(/single \*/);
    expect(
      () =>
        new StreamRouter({
          routes: [
            { stream: 's', patterns: ['a'] },
            { stream: 's', patterns: ['b'] },
          ],
        }),
    ).toThrow(/twice/);
  });
});
