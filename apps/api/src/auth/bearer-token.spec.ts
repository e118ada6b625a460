import { BearerToken } from './bearer-token';

describe('BearerToken', () => {
  const token = new BearerToken('s3cret-token-0123456789');

  it('accepts exactly `Bearer <token>` (scheme case-insensitive)', () => {
    expect(token.matches('Bearer s3cret-token-0123456789')).toBe(true);
    expect(token.matches('bearer s3cret-token-0123456789')).toBe(true);
  });

  it('refuses anything else, whatever its length', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer s3cret-token-012345678',
      'Bearer s3cret-token-01234567890',
      'Bearer S3CRET-TOKEN-0123456789',
      'Basic s3cret-token-0123456789',
      's3cret-token-0123456789',
      'Bearer s3cret-token-0123456789 extra',
    ]) {
      expect({ header, matches: token.matches(header) }).toEqual({ header, matches: false });
    }
  });

  it('does not accept an empty header when the token would hash like one', () => {
    expect(new BearerToken('').matches('')).toBe(false);
  });
});
