import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { ChildConsumer, ChildConsumerEnv } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';

const EVENTS = 10_000;
const CONSUMERS = 4;
const CONCURRENCY = 16;
const MIN_KILLS = 10;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('crash storm', () => {
  const url = process.env.REDIS_URL as string;
  const redis = new Redis(url);
  const client = new ClientRedisStreams();
  const pattern = uniqueName('storm');
  const record = `${pattern}:handled`;
  const slots: Array<ChildConsumer | undefined> = [];

  afterAll(async () => {
    await Promise.all(slots.map((child) => child?.stop('SIGKILL') ?? Promise.resolve()));
    await redis.del(pattern, record, `${record}:started`, StreamKeys.deadLetter(pattern));
    await redis.del(StreamKeys.retryLane(pattern, 'g'), StreamKeys.retrySchedule(pattern, 'g'));
    await client.close();
    redis.disconnect();
  });

  it(`${CONSUMERS} consumers, ${EVENTS} events, a random one SIGKILLed and restarted every 1–3 s: none lost`, async () => {
    const env: ChildConsumerEnv = {
      REDIS_URL: url,
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      CONCURRENCY: String(CONCURRENCY),
      BATCH: String(CONCURRENCY),
      MIN_IDLE_MS: '1000',
      RECLAIM_INTERVAL_MS: '200',
    };
    for (let i = 0; i < CONSUMERS; i++) {
      slots.push(await ChildConsumer.start(env));
    }

    let produced = 0;
    const producing = (async () => {
      while (produced < EVENTS) {
        const batch = Array.from({ length: Math.min(20, EVENTS - produced) }, (_, k) => produced + k);
        produced += batch.length;
        await Promise.all(batch.map((n) => lastValueFrom(client.emit(pattern, { n }))));
        await pause(40); // ≈ 500 events/s: the storm lasts as long as the production
      }
    })();

    let kills = 0;
    while (produced < EVENTS || kills < MIN_KILLS) {
      await pause(1000 + Math.floor(Math.random() * 2000));
      const victim = Math.floor(Math.random() * CONSUMERS);
      await slots[victim]?.stop('SIGKILL');
      kills++;
      slots[victim] = await ChildConsumer.start(env); // a new process, a new consumer name
    }
    await producing;

    await waitFor(
      async () =>
        new Set((await redis.lrange(record, 0, -1)).map((line) => line.split('|')[0])).size === EVENTS,
      'every event handled',
      90_000,
      250,
    );
    await waitFor(
      async () => ((await redis.xpending(pattern, 'g')) as [number])[0] === 0,
      'XPENDING empty',
      30_000,
      250,
    );
    const lines = await redis.lrange(record, 0, -1);
    const handled = new Set(lines.map((line) => line.split('|')[0])).size;
    const duplicates = lines.length - handled;
    console.log(`${handled}/${EVENTS} handled, ${duplicates} duplicates, ${kills} kills`);
    expect(handled).toBe(EVENTS);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(duplicates).toBeLessThanOrEqual(kills * CONCURRENCY);
    expect(await redis.xlen(pattern)).toBe(EVENTS);
    expect(await redis.exists(StreamKeys.deadLetter(pattern))).toBe(0);
  }, 240_000);
});
