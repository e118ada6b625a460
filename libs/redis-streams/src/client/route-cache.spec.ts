import { MAX_CACHED_ROUTES, RouteCache } from './route-cache';

/** The memo of the StreamRouter the cache resolves through (private: its growth is the leak being bounded). */
function routerMemoSize(cache: RouteCache): number {
  return (cache as unknown as { router: { cache: Map<string, unknown> } }).router.cache.size;
}

describe('RouteCache', () => {
  const options = { streamPrefix: 'p:', routes: [{ stream: 'shared', patterns: ['orders.*'] }] };

  it(`remembers at most ${MAX_CACHED_ROUTES} patterns, router memo included, and still routes each one right`, () => {
    const cache = new RouteCache(options);
    for (let i = 0; i < 5000; i++) {
      expect(cache.streamFor(`tenant.${i}`)).toBe(`p:tenant.${i}`);
      expect(cache.streamFor(`orders.${i}`)).toBe('shared');
      expect(cache.size).toBeLessThanOrEqual(MAX_CACHED_ROUTES);
      expect(routerMemoSize(cache)).toBeLessThanOrEqual(MAX_CACHED_ROUTES);
    }
  });

  it('a full cache starts afresh; hits on remembered patterns change nothing', () => {
    const cache = new RouteCache(options, 3);
    for (const pattern of ['a', 'b', 'c', 'a', 'b', 'c']) {
      cache.streamFor(pattern);
    }
    expect(cache.size).toBe(3);
    expect(cache.streamFor('d')).toBe('p:d');
    expect(cache.size).toBe(1);
    expect(routerMemoSize(cache)).toBe(1);
    expect(cache.streamFor('a')).toBe('p:a');
    expect(cache.size).toBe(2);
  });

  it('a wildcard no route carries is refused and not remembered', () => {
    const cache = new RouteCache(options);
    expect(() => cache.streamFor('billing.*')).toThrow(/no route carries it/);
    expect(cache.size).toBe(0);
  });
});
