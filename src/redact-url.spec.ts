import { redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['redis://:s3cret@127.0.0.1:6379', 'redis://:***@127.0.0.1:6379'],
    ['redis://app:s3cret@redis.internal:6380/2', 'redis://app:***@redis.internal:6380/2'],
    ['rediss://app@redis.internal', 'rediss://app:***@redis.internal'],
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
