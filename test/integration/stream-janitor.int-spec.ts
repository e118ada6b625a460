import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { StreamsTopology } from '@app/shield-platform';
import { StreamJanitor, janitorConfigFrom } from '../../apps/consumer/src/janitor/stream-janitor.service';
import { uniqueName } from '../support/names';

/** The consumer app's janitor: trims the topology's streams behind their slowest group, keeping the retention. */
describe('StreamJanitor (consumer app)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const kept = uniqueName('janitor-kept');
  const trimmed = uniqueName('janitor-trimmed');

  afterAll(async () => {
    await redis.del(kept, trimmed);
    redis.disconnect();
  });

  async function acknowledgedEntries(stream: string, count: number): Promise<void> {
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    for (let i = 0; i < count; i++) {
      await redis.xadd(stream, '*', 'type', 't', 'data', '{}');
    }
    const reply = (await redis.xreadgroup(
      'GROUP',
      'g',
      'c',
      'COUNT',
      count,
      'STREAMS',
      stream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]>;
    await redis.xack(stream, 'g', ...reply[0][1].map(([id]) => id));
  }

  it('keeps acknowledged entries younger than the retention, trims them where the topology says 0', async () => {
    await acknowledgedEntries(kept, 4);
    await acknowledgedEntries(trimmed, 3);
    const topology = new StreamsTopology({
      streams: [
        { name: kept, groups: [{ name: 'g', start: '0' }] },
        { name: trimmed, groups: [{ name: 'g', start: '0' }], minRetentionMs: 0 },
      ],
    });
    const config = new ConfigService({ JANITOR_INTERVAL_MS: '0' });
    expect(janitorConfigFrom(config)).toEqual({ intervalMs: 0, minRetentionMs: 3_600_000 });

    const results = await new StreamJanitor(new RedisStreamsAdmin(redis), topology, config).sweep();
    expect(results.map((result) => [result.stream, result.status, result.removed])).toEqual([
      [kept, 'trimmed', 0],
      [trimmed, 'trimmed', 3],
    ]);
    expect(await redis.xlen(kept)).toBe(4);
    expect(await redis.xlen(trimmed)).toBe(0);
  });

  it('refuses a malformed setting at start', () => {
    expect(() => janitorConfigFrom(new ConfigService({ JANITOR_INTERVAL_MS: '5 min' }))).toThrow(
      /JANITOR_INTERVAL_MS must be a whole number/,
    );
  });
});
