import { largestCollection } from '../../../../test/support/largest-collection';
import { ClientRedisStreams } from './client-redis-streams';

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
