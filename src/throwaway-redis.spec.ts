import { throwawayRedisRefusal } from './throwaway-redis';

const installed = (): boolean => true;

describe('throwawayRedisRefusal', () => {
  it.each(['redis://127.0.0.1:6390', 'redis://localhost', 'redis://[::1]:6390'])('allows %s', (url) => {
    expect(throwawayRedisRefusal(new URL(url), installed)).toBeUndefined();
  });

  it('refuses a host that is not this machine', () => {
    expect(throwawayRedisRefusal(new URL('redis://redis.internal:6379'), installed)).toMatch(
      /not a loopback/,
    );
  });

  it('refuses a URL with credentials (the apps would AUTH against a server that has none)', () => {
    expect(throwawayRedisRefusal(new URL('redis://:pw@127.0.0.1:6390'), installed)).toMatch(/credentials/);
    expect(throwawayRedisRefusal(new URL('redis://app@127.0.0.1:6390'), installed)).toMatch(/credentials/);
  });

  it('refuses when redis-server is not installed', () => {
    expect(throwawayRedisRefusal(new URL('redis://127.0.0.1:6390'), () => false)).toMatch(/not on the PATH/);
  });
});
