import { isSentinelUrl, sentinelOptionsFromUrl } from './redis-url';

describe('Sentinel URLs', () => {
  it('name the sentinels, the primary, its credentials and database', () => {
    expect(isSentinelUrl('redis+sentinel://s1:26379/main')).toBe(true);
    expect(isSentinelUrl('redis://s1:6379')).toBe(false);
    const options = sentinelOptionsFromUrl(
      'redis+sentinel://app:p%40ss@10.0.0.1:26379,10.0.0.2:26380,s3/orders-primary/2',
    );
    expect(options.sentinelRetryStrategy?.(1)).toBe(100);
    expect(options.sentinelRetryStrategy?.(6)).toBeNull(); // one attempt gives up; reconnection goes on
    expect({ ...options, sentinelRetryStrategy: undefined }).toEqual({
      sentinelRetryStrategy: undefined,
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
        { host: 's3', port: 26379 },
      ],
      name: 'orders-primary',
      username: 'app',
      password: 'p@ss',
      db: 2,
    });
  });

  it('carry the sentinels’ own credentials in the query, and TLS with rediss+sentinel', () => {
    const { sentinelRetryStrategy, ...options } = sentinelOptionsFromUrl(
      'rediss+sentinel://:secret@[::1]:26379/main?sentinelPassword=s3cret&sentinelUsername=watch',
    );
    expect(typeof sentinelRetryStrategy).toBe('function');
    expect(options).toEqual({
      sentinels: [{ host: '::1', port: 26379 }],
      name: 'main',
      password: 'secret',
      sentinelUsername: 'watch',
      sentinelPassword: 's3cret',
      tls: {},
      sentinelTLS: {},
      enableTLSForSentinelMode: true,
    });
  });

  it('refuses what it cannot read, without echoing the password', () => {
    for (const bad of [
      'redis+sentinel://user:hunter2@s1:26379',
      'redis+sentinel://user:hunter2@s1:notaport/main',
      'redis+sentinel:///main',
    ]) {
      let message = '';
      try {
        sentinelOptionsFromUrl(bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/Sentinel URL/);
      expect(message).not.toContain('hunter2');
    }
  });
});
