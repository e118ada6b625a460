import { Redis } from 'ioredis';
import { StreamKeys } from '@app/redis-streams';
import { ChildConsumer } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';

const FIXTURE = 'test/fixtures/effect-consumer-process.ts';
const EVENTS = 48;
/** Every KILL_EVERY-th event kills its consumer on its first delivery, alternately in and right after the handler. */
const KILL_EVERY = 4;
const CONSUMERS = 2;

interface CrashRun {
  /** Times each event's effect was applied, by event id. */
  effects: Map<string, number>;
  /** Handler runs (redeliveries included). */
  runs: number;
  /** Processes that died (SIGKILL) while the events were handled. */
  kills: number;
}

/**
 * Exactly-once effects across real crashes: consumers in child processes SIGKILL themselves between their handler and
 * its acknowledgement, again and again; every one that dies is replaced, and the survivors reclaim what it held.
 */
describe('idempotent handlers under SIGKILL between handler and ack (real processes)', () => {
  const url = process.env.REDIS_URL as string;
  const redis = new Redis(url);
  const children = new Set<ChildConsumer>();
  const streams: string[] = [];

  afterEach(async () => {
    await Promise.all([...children].map((child) => child.stop('SIGKILL')));
    children.clear();
    for (const stream of streams.splice(0)) {
      const inSlot = await redis.keys(`${StreamKeys.base(stream)}:*`);
      await redis.del(stream, `${stream}:runs`, ...inSlot);
    }
  });
  afterAll(() => redis.disconnect());

  async function run(mode: 'idempotent' | 'plain'): Promise<CrashRun> {
    const stream = uniqueName(`idem-crash-${mode}`);
    streams.push(stream);
    const prefix = `${StreamKeys.base(stream)}:effect:`;
    const runsKey = `${stream}:runs`;
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const writes = redis.pipeline();
    for (let n = 0; n < EVENTS; n++) {
      const marked = n % KILL_EVERY === KILL_EVERY - 1;
      const kill = marked
        ? Math.floor(n / KILL_EVERY) % 2 === 0
          ? 'in-handler'
          : 'after-return'
        : undefined;
      writes.xadd(stream, '*', 'type', stream, 'data', JSON.stringify({ n, kill }), 'event_id', `e-${n}`);
    }
    await writes.exec();

    let spawned = 0;
    let kills = 0;
    let stopping = false;
    const starting = new Set<Promise<void>>();
    const failures: unknown[] = [];
    const spawn = (): void => {
      const started = start().catch((error: unknown) => void failures.push(error));
      starting.add(started);
      void started.finally(() => starting.delete(started));
    };
    const start = async (): Promise<void> => {
      const child = await ChildConsumer.startFixture(FIXTURE, {
        REDIS_URL: url,
        PATTERN: stream,
        GROUP: 'g',
        CONSUMER: `c-${spawned++}`,
        MODE: mode,
        EFFECT_PREFIX: prefix,
        RUNS_KEY: runsKey,
        CONCURRENCY: '2',
        MIN_IDLE_MS: '1000',
        RECLAIM_INTERVAL_MS: '200',
      });
      children.add(child);
      void child.exited().then(() => {
        children.delete(child);
        if (!stopping) {
          kills++;
          spawn(); // a replacement with a new name: the survivors reclaim what the dead one held
        }
      });
    };
    for (let n = 0; n < CONSUMERS; n++) {
      spawn();
    }

    const settled = async (): Promise<boolean> => {
      const [pending] = (await redis.xpending(stream, 'g')) as [number];
      const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
      const info = groups[0];
      const lag = Number(info[info.indexOf('lag') + 1]);
      return pending === 0 && lag === 0;
    };
    await waitFor(settled, `every event of the ${mode} run acknowledged`, 120_000, 100);
    stopping = true;
    while (starting.size > 0) {
      await Promise.all([...starting]);
    }
    await Promise.all([...children].map((child) => child.stop('SIGKILL')));
    expect(failures).toEqual([]);

    const effects = new Map<string, number>();
    for (let n = 0; n < EVENTS; n++) {
      effects.set(`e-${n}`, Number((await redis.get(`${prefix}e-${n}`)) ?? 0));
    }
    return { effects, runs: await redis.llen(runsKey), kills };
  }

  it('every event is applied exactly once; the same kills double the effects of a plain handler', async () => {
    const idempotent = await run('idempotent');
    const plain = await run('plain');
    const kills = EVENTS / KILL_EVERY;
    process.stdout.write(
      `idempotent: ${idempotent.kills} kills, ${idempotent.runs} runs; plain: ${plain.kills} kills, ${plain.runs} runs, ` +
        `${[...plain.effects.values()].filter((count) => count > 1).length} effects doubled\n`,
    );

    // A marked event kills only on its first delivery: one its consumer held when dying of another is spared.
    expect(idempotent.kills).toBeGreaterThanOrEqual(kills / 2);
    // Idempotent: redelivered (and re-run) many times, yet each event's effect is applied once.
    expect(idempotent.runs).toBeGreaterThan(EVENTS);
    expect([...idempotent.effects].filter(([, count]) => count !== 1)).toEqual([]);

    // Negative control: a plain handler under the same kills applies some effects twice (at least once).
    expect(plain.kills).toBeGreaterThanOrEqual(kills / 2);
    const doubled = [...plain.effects].filter(([, count]) => count > 1);
    expect(doubled.length).toBeGreaterThanOrEqual(kills / 2);
    expect([...plain.effects].filter(([, count]) => count === 0)).toEqual([]);
  }, 300_000);
});
