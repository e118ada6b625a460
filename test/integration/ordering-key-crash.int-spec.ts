import { Redis } from 'ioredis';
import { StreamKeys } from '@app/redis-streams';
import { ChildConsumer, ChildConsumerEnv } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';

const KEYS = 8;
const STEPS = 40;

/**
 * Per-key order under consumer kills: three consumer processes share a group on an ordered stream; the one reading it
 * is SIGKILLed twice while events (some failing once, so their keys park behind a retry) keep coming. Every event
 * must be handled, and for every key the first handling of each event must follow stream order — re-runs of an
 * event a killed consumer had handled but not acknowledged are allowed (at least once), overtaking is not.
 */
describe('orderingKey under SIGKILL of the consumer reading the stream', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const stream = uniqueName('ordered-crash');
  const group = uniqueName('ordered-crash-group');
  const recordKey = uniqueName('ordered-crash-record');
  const consumers = new Map<string, ChildConsumer>();

  afterAll(async () => {
    await Promise.all([...consumers.values()].map((consumer) => consumer.stop('SIGKILL')));
    await redis.del(
      stream,
      StreamKeys.deadLetter(stream),
      StreamKeys.retryLane(stream, group),
      StreamKeys.retrySchedule(stream, group),
      StreamKeys.promoterLease(stream, group),
      StreamKeys.orderingLease(stream, group),
      recordKey,
      `${recordKey}:started`,
      `${recordKey}:pids`,
      `${recordKey}:order`,
      ...['c1', 'c2', 'c3'].map((name) => `${recordKey}:stats:${name}`),
    );
    redis.disconnect();
  });

  it('keeps every key in stream order across two takeovers', async () => {
    const env = (consumer: string): ChildConsumerEnv => ({
      REDIS_URL: process.env.REDIS_URL as string,
      PATTERN: stream,
      GROUP: group,
      RECORD_KEY: recordKey,
      CONSUMER: consumer,
      ORDERING_KEY: 'key',
      CONCURRENCY: '16',
      BATCH: '16',
      MIN_IDLE_MS: '1000',
      RECLAIM_INTERVAL_MS: '200',
      CONSUMER_LEASE_MS: '500',
      RETRY_DELAY_MS: '150',
      STATS_KEY: `${recordKey}:stats:${consumer}`,
    });
    for (const name of ['c1', 'c2', 'c3']) {
      consumers.set(name, await ChildConsumer.start(env(name)));
    }
    const producing = (async () => {
      for (let seq = 0; seq < STEPS; seq++) {
        for (let key = 0; key < KEYS; key++) {
          const step = { key: `k${key}`, seq, failOnce: seq % 13 === 5, handlerMs: (seq * 7 + key * 3) % 11 };
          await redis.xadd(stream, '*', 'data', JSON.stringify(step));
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const orderKey = `${recordKey}:order`;
    const killed: string[] = [];
    for (const after of [60, 180]) {
      await waitFor(
        async () => (await redis.llen(orderKey)) >= after,
        `${after} events handled`,
        30_000,
      ).catch(async (error: unknown) => {
        const dump = {
          lease: await redis.get(StreamKeys.orderingLease(stream, group)),
          pending: await redis.xpending(stream, group),
          lanePending: await redis.xpending(StreamKeys.retryLane(stream, group), group).catch(() => 'none'),
          laneLen: await redis.xlen(StreamKeys.retryLane(stream, group)),
          scheduled: await redis.zcard(StreamKeys.retrySchedule(stream, group)),
          handled: await redis.llen(orderKey),
          groups: await redis.xinfo('GROUPS', stream),
        };
        process.stdout.write(`DUMP ${JSON.stringify(dump)}\n`);
        throw error;
      });
      const owner = (await redis.get(StreamKeys.orderingLease(stream, group)))?.split(':')[0] as string;
      const victim = consumers.get(owner);
      expect(victim).toBeDefined();
      await victim?.stop('SIGKILL');
      consumers.delete(owner);
      killed.push(owner);
    }
    await producing;
    const distinct = async (): Promise<number> => new Set(await redis.lrange(orderKey, 0, -1)).size;
    await waitFor(async () => (await distinct()) === KEYS * STEPS, 'every event handled', 60_000);

    const rows = (await redis.lrange(orderKey, 0, -1)).map((row) => row.split('|'));
    let reruns = 0;
    for (let key = 0; key < KEYS; key++) {
      const firsts: number[] = [];
      for (const [k, seq] of rows) {
        if (k !== `k${key}`) {
          continue;
        }
        if (firsts.includes(Number(seq))) {
          reruns++;
        } else {
          firsts.push(Number(seq));
        }
      }
      expect(firsts).toEqual(Array.from({ length: STEPS }, (_, i) => i));
    }
    expect(killed).toHaveLength(2);
    // The takeovers really took what the killed readers held (claimed from their PELs), not only new entries.
    const survivors = ['c1', 'c2', 'c3'].filter((name) => !killed.includes(name));
    const reclaimed = await waitFor(async () => {
      let sum = 0;
      for (const name of survivors) {
        const stats = await redis.get(`${recordKey}:stats:${name}`);
        sum += stats ? (JSON.parse(stats) as { reclaimed: number }).reclaimed : 0;
      }
      return sum;
    }, 'the survivors to report what they took over');
    expect(reclaimed).toBeGreaterThan(0);
    process.stdout.write(
      `orderingKey crash: ${KEYS * STEPS} events over ${KEYS} keys, owners killed: ${killed.join(', ')}; ` +
        `every key in order; ${reclaimed} entries taken over; ${reruns} re-runs of events a killed consumer had not acknowledged\n`,
    );
  }, 120_000);
});
