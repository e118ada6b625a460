import { InvalidOptionsError } from '../errors/redis-streams.error';
import { resolveClientOptions } from './client-options';
import { redactUrl } from './connection-options';
import { DEFAULT_SERVER_OPTIONS, resolveServerOptions } from './server-options';

describe('resolveServerOptions', () => {
  it('applies defaults and a unique consumer name', () => {
    const a = resolveServerOptions({ group: 'g', url: 'redis://h:1' });
    const b = resolveServerOptions({ group: 'g', url: 'redis://h:1' });
    expect(a).toMatchObject({ ...DEFAULT_SERVER_OPTIONS, group: 'g', url: 'redis://h:1' });
    expect(a.consumer).not.toBe(b.consumer);
    expect(a.consumer).toMatch(/-\d+-[0-9a-f]{6}$/);
  });

  it('ignores undefined values instead of overriding defaults with them', () => {
    expect(resolveServerOptions({ group: 'g', batchSize: undefined }).batchSize).toBe(
      DEFAULT_SERVER_OPTIONS.batchSize,
    );
  });

  it('caps entries at 1000 fields and 4 MiB, or a raised payload cap plus room for the other fields', () => {
    expect(resolveServerOptions({ group: 'g' })).toMatchObject({
      maxFields: 1000,
      maxEntryBytes: 4 * 1024 * 1024,
    });
    expect(resolveServerOptions({ group: 'g', maxPayloadBytes: 8 * 1024 * 1024 }).maxEntryBytes).toBe(
      8 * 1024 * 1024 + 64 * 1024,
    );
    expect(resolveServerOptions({ group: 'g', maxEntryBytes: 2 * 1024 * 1024 }).maxEntryBytes).toBe(
      2 * 1024 * 1024,
    );
  });

  it.each([
    [{ group: '' }, /group is required/],
    [{ group: 'g', startId: 'latest' }, /startId/],
    [{ group: 'g', concurrency: 0 }, /concurrency/],
    [{ group: 'g', batchSize: 1.5 }, /batchSize/],
    [{ group: 'g', url: 'http://x' }, /redis:\/\//],
    [{ group: 'g', maxFields: 0 }, /maxFields/],
    [{ group: 'g', maxFields: 3001 }, /maxFields/],
    [{ group: 'g', maxEntryBytes: 0 }, /maxEntryBytes/],
    [{ group: 'g', maxPayloadBytes: 2048, maxEntryBytes: 1024 }, /maxEntryBytes .* below maxPayloadBytes/],
  ])('refuses %p', (options, message) => {
    expect(() => resolveServerOptions(options)).toThrow(InvalidOptionsError);
    expect(() => resolveServerOptions(options)).toThrow(message);
  });
});

describe('resolveClientOptions', () => {
  it('defaults to REDIS_URL, then the local server', () => {
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = 'redis://from-env:6380';
    expect(resolveClientOptions().url).toBe('redis://from-env:6380');
    delete process.env.REDIS_URL;
    expect(resolveClientOptions().url).toBe('redis://127.0.0.1:6379');
    process.env.REDIS_URL = saved;
  });
});

describe('redactUrl', () => {
  it('hides passwords', () => {
    expect(redactUrl('redis://user:secret@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(redactUrl('redis://:secret@host')).toBe('redis://***@host');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
  });
});
