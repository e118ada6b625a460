import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConnectionRedisOptions } from '@app/redis-streams/options/connection-options';
import { RedisTlsValues, redisTlsOf, redisTlsProblem } from './redis-tls-env';

describe('the Redis TLS variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shield-tls-env-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nsecret-looking-ca\n');
  const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n');
  const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nkey-material\n');
  const none: RedisTlsValues = {
    redisUrl: 'rediss://redis.internal:6380',
    redisTlsCaFile: undefined,
    redisTlsCertFile: undefined,
    redisTlsKeyFile: undefined,
    redisTlsServername: undefined,
  };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('none set: no tls option, nothing to check (a plain redis:// URL stays valid)', () => {
    expect(redisTlsOf(none)).toBeUndefined();
    expect(redisTlsProblem(none)).toBeUndefined();
    expect(redisTlsProblem({ ...none, redisUrl: 'redis://127.0.0.1:6379' })).toBeUndefined();
  });

  it('the variables set become the library option, the others stay out', () => {
    const values = { ...none, redisTlsCaFile: ca, redisTlsServername: 'redis.internal' };
    expect(redisTlsOf(values)).toEqual({ caFile: ca, servername: 'redis.internal' });
    expect(redisTlsProblem(values)).toBeUndefined();
    const all = { ...values, redisTlsCertFile: cert, redisTlsKeyFile: key };
    expect(redisTlsProblem(all)).toBeUndefined();
    // The library reads them into ioredis' tls, as the apps' connections will.
    expect(resolveConnectionRedisOptions(all.redisUrl, redisTlsOf(all), undefined)?.tls).toMatchObject({
      servername: 'redis.internal',
    });
  });

  it('a file that cannot be read: the variable, the path and the code, never any contents', () => {
    const missing = join(dir, 'nope', 'ca.pem');
    expect(redisTlsProblem({ ...none, redisTlsCaFile: missing })).toBe(
      `REDIS_TLS_CA_FILE cannot be read: ${missing} (ENOENT)`,
    );
    // A directory is not a file either.
    expect(
      redisTlsProblem({ ...none, redisTlsCaFile: ca, redisTlsCertFile: dir, redisTlsKeyFile: key }),
    ).toBe(`REDIS_TLS_CERT_FILE cannot be read: ${dir} (EISDIR)`);
  });

  it('the certificate and its key go together', () => {
    for (const values of [
      { ...none, redisTlsCertFile: cert },
      { ...none, redisTlsKeyFile: key },
    ]) {
      expect(redisTlsProblem(values)).toBe(
        'REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together: give both or neither',
      );
    }
  });

  it('TLS variables need a rediss:// URL (the password of the URL is hidden)', () => {
    expect(redisTlsProblem({ ...none, redisUrl: 'redis://u:pw@h:6379', redisTlsCaFile: ca })).toBe(
      'REDIS_TLS_CA_FILE is set but REDIS_URL is not rediss://, rediss+sentinel:// or rediss+cluster:// (got "redis://u:***@h:6379")',
    );
    expect(
      redisTlsProblem({ ...none, redisUrl: 'redis://h', redisTlsCaFile: ca, redisTlsServername: 'h' }),
    ).toMatch(/^REDIS_TLS_CA_FILE, REDIS_TLS_SERVERNAME are set but REDIS_URL is not rediss:\/\//);
    expect(
      redisTlsProblem({ ...none, redisUrl: 'rediss+sentinel://s1:26379/primary', redisTlsCaFile: ca }),
    ).toBeUndefined();
  });
});
