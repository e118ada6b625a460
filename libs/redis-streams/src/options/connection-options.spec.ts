import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionsError } from '../errors/redis-streams.error';
import { resolveClientOptions } from './client-options';
import { resolveConnectionRedisOptions } from './connection-options';
import { resolveServerOptions } from './server-options';

describe('tls options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nrs-tls-opts-'));
  const ca = join(dir, 'ca.pem');
  const cert = join(dir, 'client.pem');
  const key = join(dir, 'client.key');
  writeFileSync(ca, 'CA-CONTENT-SECRET');
  writeFileSync(cert, 'CERT');
  writeFileSync(key, 'KEY-CONTENT-SECRET');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the files once into ioredis tls, over the other ioredis options', () => {
    const redis = resolveConnectionRedisOptions(
      'rediss://127.0.0.1:1',
      { caFile: ca, certFile: cert, keyFile: key, servername: 'redis.internal' },
      { username: 'consumer' },
    );
    expect(redis?.username).toBe('consumer');
    const tls = redis?.tls as { ca: Buffer; cert: Buffer; key: Buffer; servername: string };
    expect(tls.ca.toString()).toBe('CA-CONTENT-SECRET');
    expect(tls.cert.toString()).toBe('CERT');
    expect(tls.key.toString()).toBe('KEY-CONTENT-SECRET');
    expect(tls.servername).toBe('redis.internal');
    expect(Object.keys(tls)).not.toContain('rejectUnauthorized');
  });

  it('leaves the ioredis options alone without tls', () => {
    const redis = { username: 'u' };
    expect(resolveConnectionRedisOptions('rediss://h:1', undefined, redis)).toBe(redis);
  });

  it('is applied by the server and client resolvers', () => {
    const server = resolveServerOptions({ group: 'g', url: 'rediss://h:1', tls: { caFile: ca } });
    const client = resolveClientOptions({ url: 'rediss://h:1', tls: { caFile: ca } });
    expect((server.redis?.tls as { ca: Buffer }).ca.toString()).toBe('CA-CONTENT-SECRET');
    expect((client.redis?.tls as { ca: Buffer }).ca.toString()).toBe('CA-CONTENT-SECRET');
  });

  it('names the option and the file of an unreadable file, never file contents', () => {
    const missing = join(dir, 'missing.pem');
    const call = (): unknown => resolveConnectionRedisOptions('rediss://h:1', { caFile: missing }, undefined);
    expect(call).toThrow(InvalidOptionsError);
    expect(call).toThrow(`tls.caFile cannot be read: ${missing} (ENOENT)`);
    // A directory is unreadable as a file too.
    expect(() =>
      resolveConnectionRedisOptions('rediss://h:1', { keyFile: dir, certFile: cert }, undefined),
    ).toThrow(/tls\.keyFile cannot be read: .* \(EISDIR\)/);
  });

  it('refuses tls with a redis:// URL, half a client pair and an empty servername', () => {
    expect(() => resolveServerOptions({ group: 'g', url: 'redis://u:pw@h:1', tls: { caFile: ca } })).toThrow(
      'tls is set but url is not rediss://, rediss+sentinel:// or rediss+cluster:// (got "redis://u:***@h:1")',
    );
    expect(() => resolveConnectionRedisOptions('rediss://h:1', { certFile: cert }, undefined)).toThrow(
      'tls.certFile and tls.keyFile go together',
    );
    expect(() => resolveConnectionRedisOptions('rediss://h:1', { servername: ' ' }, undefined)).toThrow(
      'tls.servername must be a non-empty string',
    );
    expect(() => resolveConnectionRedisOptions('rediss://h:1', { caFile: '' }, undefined)).toThrow(
      'tls.caFile must be a file path',
    );
  });
});
