import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams } from '@app/redis-streams';
import { largestCollection } from '../support/largest-collection';
import { uniqueName } from '../support/names';

// The client remembers a bounded number of pattern → stream routes; past the bound it resolves again. Events of
// many distinct (dynamic) patterns must still land in the right streams, before and after the memory restarts.
describe('client routing with thousands of distinct patterns (real Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const base = uniqueName('routes');
  const shared = `${base}:shared`;
  const prefix = `${base}:own:`;
  const client = new ClientRedisStreams({
    streamPrefix: prefix,
    routes: [{ stream: shared, patterns: [`${base}.shared.*`] }],
  });
  const ownPatterns = Array.from({ length: 1000 }, (_, i) => `${base}.own.${i}`);
  const sharedPatterns = Array.from({ length: 4000 }, (_, i) => `${base}.shared.${i}`);

  afterAll(async () => {
    const keys = [shared, ...ownPatterns.map((pattern) => `${prefix}${pattern}`)];
    for (let i = 0; i < keys.length; i += 500) {
      await redis.del(...keys.slice(i, i + 500));
    }
    await client.close();
    redis.disconnect();
  });

  it('5000 patterns, each emitted twice, reach their own or their routed stream', async () => {
    const patterns = [...ownPatterns, ...sharedPatterns];
    // Second pass in reverse: every pattern is resolved again after the remembered routes were dropped.
    for (const order of [patterns, [...patterns].reverse()]) {
      await Promise.all(order.map((pattern) => lastValueFrom(client.emit(pattern, { pattern }))));
    }
    // What the client keeps per pattern stays bounded (it held all 5000 before the bound).
    expect(largestCollection(client)).toBeLessThanOrEqual(1000);
    const sharedTypes = new Map<string, number>();
    for (const [, fields] of await redis.xrange(shared, '-', '+')) {
      const type = fields[fields.indexOf('type') + 1];
      sharedTypes.set(type, (sharedTypes.get(type) ?? 0) + 1);
    }
    expect(sharedTypes.size).toBe(sharedPatterns.length);
    expect(sharedPatterns.every((pattern) => sharedTypes.get(pattern) === 2)).toBe(true);
    const pipeline = redis.pipeline();
    for (const pattern of ownPatterns) {
      pipeline.xrange(`${prefix}${pattern}`, '-', '+');
    }
    const own = (await pipeline.exec()) ?? [];
    const misrouted = own.filter(([error, entries], i) => {
      const list = entries as Array<[string, string[]]>;
      return (
        error !== null ||
        list.length !== 2 ||
        list.some(([, f]) => f[f.indexOf('type') + 1] !== ownPatterns[i])
      );
    });
    expect(misrouted).toEqual([]);
  });
});
