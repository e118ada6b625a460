import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams } from '@app/redis-streams';
import { ChildConsumer } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';

describe('crash recovery with real processes', () => {
  const url = process.env.REDIS_URL as string;
  const redis = new Redis(url);
  const client = new ClientRedisStreams();
  const children: ChildConsumer[] = [];
  const keys: string[] = [];

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop('SIGKILL')));
    if (keys.length > 0) {
      await redis.del(...keys.splice(0));
    }
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  function names(label: string): { pattern: string; record: string } {
    const pattern = uniqueName(label);
    const record = `${pattern}:handled`;
    keys.push(pattern, record, `${record}:started`, `{${pattern}}:retry:g`);
    return { pattern, record };
  }

  async function emit(pattern: string, count: number, from = 0): Promise<string[]> {
    return Promise.all(
      Array.from({ length: count }, (_, n) => lastValueFrom(client.emit<string>(pattern, { n: from + n }))),
    );
  }

  async function handledIds(record: string): Promise<Set<string>> {
    return new Set((await redis.lrange(record, 0, -1)).map((line) => line.split('|')[0]));
  }

  it('a consumer SIGKILLed mid-batch and restarted with the same name handles every entry it held', async () => {
    const { pattern, record } = names('sigkill');
    const env = {
      REDIS_URL: url,
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      CONSUMER: 'pod-0',
      HANDLER_MS: '100',
      CONCURRENCY: '10',
      BATCH: '10',
    };
    const first = await ChildConsumer.start(env);
    children.push(first);
    const ids = await emit(pattern, 40);
    // Kill while entries are in flight: some started, not all finished.
    await waitFor(async () => (await redis.llen(`${record}:started`)) >= 15, 'handlers running');
    await first.stop('SIGKILL');
    const beforeRestart = await handledIds(record);
    expect(beforeRestart.size).toBeLessThan(40);
    const [pendingBefore] = (await redis.xpending(pattern, 'g')) as [number];
    expect(pendingBefore).toBeGreaterThan(0);

    children.push(await ChildConsumer.start(env));
    await waitFor(async () => (await handledIds(record)).size === 40, 'all 40 handled after restart', 20_000);
    expect([...(await handledIds(record))].sort()).toEqual([...ids].sort());
    await waitFor(async () => ((await redis.xpending(pattern, 'g')) as [number])[0] === 0, 'nothing pending');
    // Entries re-read from the PEL report their true delivery count (2), not 1.
    const redelivered = (await redis.lrange(record, 0, -1)).filter((line) => line.endsWith('|2'));
    expect(redelivered.length).toBeGreaterThan(0);
  });

  it('a consumer stopped while the producer keeps emitting catches up after restart, nothing lost', async () => {
    const { pattern, record } = names('catchup');
    const env = { REDIS_URL: url, PATTERN: pattern, GROUP: 'g', RECORD_KEY: record, CONSUMER: 'pod-1' };
    const first = await ChildConsumer.start(env);
    children.push(first);
    const early = await emit(pattern, 20);
    await waitFor(async () => (await handledIds(record)).size === 20, 'first 20 handled');
    await first.stop('SIGTERM');
    const late = await emit(pattern, 30, 20);
    children.push(await ChildConsumer.start(env));
    await waitFor(async () => (await handledIds(record)).size === 50, 'all 50 handled', 20_000);
    expect([...(await handledIds(record))].sort()).toEqual([...early, ...late].sort());
  });

  it('SIGTERM during handling: in-flight handlers finish and are acked before the process exits', async () => {
    const { pattern, record } = names('sigterm');
    const env = {
      REDIS_URL: url,
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      HANDLER_MS: '1500',
      CONCURRENCY: '8',
      BATCH: '8',
    };
    const child = await ChildConsumer.start(env);
    children.push(child);
    await emit(pattern, 8);
    await waitFor(async () => (await redis.llen(`${record}:started`)) === 8, 'eight handlers running');
    expect(await redis.llen(record)).toBe(0);
    const exit = await child.stop('SIGTERM');
    expect(exit.signal ?? exit.code).toBeDefined();
    // All eight finished and were acknowledged before exit; nothing left for anyone.
    expect((await handledIds(record)).size).toBe(8);
    expect(((await redis.xpending(pattern, 'g')) as [number])[0]).toBe(0);
  });
});
