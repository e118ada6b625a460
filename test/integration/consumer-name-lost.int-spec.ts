import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { ChildConsumer, ChildConsumerEnv } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';

interface ChildStats {
  acked: number;
  handled: number;
  consumerNameLost: number;
  health: { ready: boolean; consumerNameLost: boolean };
}

describe('a consumer name lost while the process was stopped (real processes)', () => {
  const url = process.env.REDIS_URL as string;
  const redis = new Redis(url);
  const client = new ClientRedisStreams();
  const children: ChildConsumer[] = [];
  const keys: string[] = [];

  afterAll(async () => {
    await Promise.all(children.map((child) => (child.signal('SIGCONT'), child.stop('SIGKILL'))));
    await redis.del(...keys);
    await client.close();
    redis.disconnect();
  });

  it('the stalled holder stops reading, settles nothing more, and says so in health and stats', async () => {
    const pattern = uniqueName('name-lost');
    const record = `${pattern}:handled`;
    const name = `pod-${randomBytes(3).toString('hex')}`;
    const statsOf = (label: string): string => `${pattern}:stats:${label}`;
    keys.push(
      pattern,
      record,
      `${record}:started`,
      `${record}:pids`,
      statsOf('holder'),
      statsOf('replacement'),
    );
    keys.push(StreamKeys.deadLetter(pattern), StreamKeys.retryLane(pattern, 'g'), `nrs:consumer:g:${name}`);
    const env = (label: string): ChildConsumerEnv => ({
      REDIS_URL: url,
      PATTERN: pattern,
      GROUP: 'g',
      CONSUMER: name,
      RECORD_KEY: record,
      STATS_KEY: statsOf(label),
      CONSUMER_LEASE_MS: '1500',
      MIN_IDLE_MS: '60000',
    });
    const stats = async (label: string): Promise<ChildStats | undefined> => {
      const text = await redis.get(statsOf(label));
      return text ? (JSON.parse(text) as ChildStats) : undefined;
    };
    const handledBy = async (): Promise<Map<string, string>> =>
      new Map(
        (await redis.lrange(`${record}:pids`, 0, -1)).map((line) => {
          const [pid, id] = line.split('|');
          return [id, pid];
        }),
      );

    const holder = await ChildConsumer.start(env('holder'));
    children.push(holder);
    await Promise.all(Array.from({ length: 20 }, (_, n) => lastValueFrom(client.emit(pattern, { n }))));
    await waitFor(async () => (await handledBy()).size === 20, 'the holder handling the first 20');
    await waitFor(async () => (await stats('holder'))?.acked === 20, 'and acknowledging them');

    holder.signal('SIGSTOP');
    // The replacement waits for the stopped holder's lease to lapse, then takes the name.
    const replacement = await ChildConsumer.start(env('replacement'));
    children.push(replacement);
    holder.signal('SIGCONT');
    // At once: the holder must not take any of these, though its timers and its read fire the moment it wakes.
    const later = await Promise.all(
      Array.from({ length: 200 }, (_, n) => lastValueFrom(client.emit<string>(pattern, { n: 20 + n }))),
    );
    await waitFor(async () => {
      const by = await handledBy();
      return later.every((id) => by.has(id));
    }, 'all 200 later events handled');
    const by = await handledBy();
    expect(later.filter((id) => by.get(id) === String(holder.process.pid))).toEqual([]);
    expect(later.every((id) => by.get(id) === String(replacement.process.pid))).toBe(true);
    await waitFor(
      async () => (await stats('holder'))?.consumerNameLost === 1,
      'the holder to say so',
      10_000,
    );
    const holderAfter = (await stats('holder')) as ChildStats;
    expect(holderAfter.health).toMatchObject({ ready: false, consumerNameLost: true });
    expect([holderAfter.handled, holderAfter.acked]).toEqual([20, 20]);
  });
});
