import { ClientRedisStreams } from './client-redis-streams';

/** The largest Map or Set reachable from `root` through its own fields (what grows per distinct input). */
function largestCollection(root: object): number {
  const seen = new Set<unknown>();
  let largest = 0;
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 6) {
      return;
    }
    seen.add(value);
    if (value instanceof Map || value instanceof Set) {
      largest = Math.max(largest, value.size);
      return;
    }
    for (const field of Object.values(value)) {
      visit(field, depth + 1);
    }
  };
  visit(root, 0);
  return largest;
}

describe('ClientRedisStreams routing memory', () => {
  it('does not grow with every distinct pattern (dynamic patterns): at most 1000 remembered', () => {
    const client = new ClientRedisStreams({
      url: 'redis://127.0.0.1:1',
      streamPrefix: 'p:',
      routes: [{ stream: 'shared', patterns: ['orders.*'] }],
    });
    for (let i = 0; i < 5000; i++) {
      expect(client.streamFor(`tenant.${i}.created`)).toBe(`p:tenant.${i}.created`);
      expect(client.streamFor(`orders.${i}`)).toBe('shared');
    }
    expect(largestCollection(client)).toBeLessThanOrEqual(1000);
  });
});
