import {
  DEFAULT_PUBLISH_IDEMPOTENCY_WINDOW_SECONDS,
  DEFAULT_PUBLISH_MAX_PAYLOAD_BYTES,
  readPublishSettings,
} from './publish-settings';

const from =
  (env: Record<string, string>) =>
  (name: string): string | undefined =>
    env[name];

describe('readPublishSettings', () => {
  it('is closed, with the defaults, when nothing is set', () => {
    expect(readPublishSettings(from({}))).toEqual({
      access: { mode: 'closed' },
      maxPayloadBytes: DEFAULT_PUBLISH_MAX_PAYLOAD_BYTES,
      idempotencyWindowSeconds: DEFAULT_PUBLISH_IDEMPOTENCY_WINDOW_SECONDS,
      openIgnored: false,
    });
    expect(readPublishSettings(from({ PUBLISH_TOKEN: '', PUBLISH_OPEN: 'false' })).access).toEqual({
      mode: 'closed',
    });
  });

  it('requires the token when one is set, and ignores PUBLISH_OPEN then', () => {
    const token = 'a'.repeat(16);
    expect(readPublishSettings(from({ PUBLISH_TOKEN: token })).access).toEqual({ mode: 'token', token });
    const both = readPublishSettings(from({ PUBLISH_TOKEN: token, PUBLISH_OPEN: 'true' }));
    expect(both.access.mode).toBe('token');
    expect(both.openIgnored).toBe(true);
  });

  it('opens only with PUBLISH_OPEN=true and no token, never in production', () => {
    expect(readPublishSettings(from({ PUBLISH_OPEN: 'true' })).access).toEqual({ mode: 'open' });
    expect(() => readPublishSettings(from({ PUBLISH_OPEN: 'true', NODE_ENV: 'production' }))).toThrow(
      /PUBLISH_OPEN=true is refused when NODE_ENV=production/,
    );
  });

  it('names the variable of a bad value', () => {
    expect(() => readPublishSettings(from({ PUBLISH_TOKEN: 'short' }))).toThrow(
      /^PUBLISH_TOKEN must be at least 16/,
    );
    expect(() => readPublishSettings(from({ PUBLISH_TOKEN: 'a b'.repeat(8) }))).toThrow(
      /^PUBLISH_TOKEN .*whitespace/,
    );
    expect(() => readPublishSettings(from({ PUBLISH_OPEN: 'yes' }))).toThrow(
      /^PUBLISH_OPEN must be true or false/,
    );
    for (const value of ['0', '-1', '1.5', 'abc', String(512 * 1024 * 1024)]) {
      expect(() => readPublishSettings(from({ PUBLISH_MAX_PAYLOAD_BYTES: value }))).toThrow(
        /^PUBLISH_MAX_PAYLOAD_BYTES must be an integer/,
      );
    }
    expect(() => readPublishSettings(from({ PUBLISH_IDEMPOTENCY_WINDOW_SECONDS: '0' }))).toThrow(
      /^PUBLISH_IDEMPOTENCY_WINDOW_SECONDS must be an integer from 1 to 2592000/,
    );
    expect(
      readPublishSettings(
        from({ PUBLISH_MAX_PAYLOAD_BYTES: '1024', PUBLISH_IDEMPOTENCY_WINDOW_SECONDS: '60' }),
      ),
    ).toMatchObject({ maxPayloadBytes: 1024, idempotencyWindowSeconds: 60 });
  });

  it('never puts the token in an error message', () => {
    const token = 'secret token with spaces';
    let message = '';
    try {
      readPublishSettings(from({ PUBLISH_TOKEN: token }));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^PUBLISH_TOKEN/);
    expect(message).not.toContain('secret');
  });
});
