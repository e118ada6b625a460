import type { RedisConnection } from '@app/redis-streams/redis/redis-connection';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { ChildConsumer, ChildConsumerEnv } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';
import { Topology } from './topology';

/** What one scenario emitted and what came out, compared by entry id. */
export interface Ledger {
  emitted: number;
  handled: number;
  lost: number;
  duplicated: number;
}

/** Compares emitted ids with the ids seen (one line per handling): lost = never seen, duplicated = seen again. */
export function ledgerOf(emitted: readonly string[], seen: readonly string[]): Ledger {
  const distinct = new Set(seen);
  return {
    emitted: emitted.length,
    handled: seen.length,
    lost: emitted.filter((id) => !distinct.has(id)).length,
    duplicated: seen.length - distinct.size,
  };
}

function report(topology: Topology, scenario: string, ledger: Ledger): void {
  const { emitted, handled, lost, duplicated } = ledger;
  process.stdout.write(
    `${topology.label}: ${scenario}: emitted ${emitted}, handled ${handled}, lost ${lost}, duplicated ${duplicated}\n`,
  );
}

function fieldsOf(raw: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    fields[raw[i]] = raw[i + 1];
  }
  return fields;
}

/**
 * The core conformance scenarios (delivery, retries → DLQ, reclaim, crash recovery, trimming), the same on every
 * topology. Each prints `<label>: <scenario>: emitted E, handled H, lost L, duplicated D` and asserts lost 0.
 */
export function describeConformance(start: () => Promise<Topology>): void {
  let topology: Topology;
  let client: ClientRedisStreams;
  let redis: RedisConnection;
  const children: ChildConsumer[] = [];

  beforeAll(async () => {
    topology = await start();
    client = new ClientRedisStreams(topology.connection());
    redis = topology.checks();
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop('SIGKILL')));
  });
  afterAll(async () => {
    await client?.close();
    redis?.disconnect();
    await topology?.destroy();
  });

  async function consumer(env: Omit<ChildConsumerEnv, 'REDIS_URL'>): Promise<ChildConsumer> {
    const child = await ChildConsumer.start({ ...topology.childEnv(), ...env });
    children.push(child);
    return child;
  }

  function emit(pattern: string, payloads: object[]): Promise<string[]> {
    return Promise.all(payloads.map((data) => lastValueFrom(client.emit<string>(pattern, data))));
  }

  const handledIds = async (record: string): Promise<string[]> =>
    (await redis.lrange(record, 0, -1)).map((line) => line.split('|')[0]);
  const pending = async (stream: string, group: string): Promise<number> =>
    ((await redis.xpending(stream, group)) as [number])[0];
  const numbered = (count: number): object[] => Array.from({ length: count }, (_, n) => ({ n }));

  it('delivery: every event handled once, nothing pending', async () => {
    const pattern = uniqueName('conf-delivery');
    const record = `${pattern}:handled`;
    await consumer({ PATTERN: pattern, GROUP: 'g', RECORD_KEY: record, CONSUMER: 'c-0' });
    const ids = await emit(pattern, numbered(50));
    await waitFor(async () => new Set(await handledIds(record)).size === 50, 'all 50 handled', 20_000);
    await waitFor(async () => (await pending(pattern, 'g')) === 0, 'nothing pending');
    const ledger = ledgerOf(ids, await handledIds(record));
    report(topology, 'delivery', ledger);
    expect(ledger).toEqual({ emitted: 50, handled: 50, lost: 0, duplicated: 0 });
  });

  it('retries → DLQ: a failing handler is retried maxDeliveries times, then each event is dead-lettered once', async () => {
    const pattern = uniqueName('conf-dlq');
    const record = `${pattern}:handled`;
    await consumer({
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      FAIL: 'error',
      RETRY_DELAY_MS: '50',
      MAX_DELIVERIES: '3',
    });
    const ids = await emit(pattern, numbered(5));
    const dlq = StreamKeys.deadLetter(pattern);
    await waitFor(async () => (await redis.xlen(dlq)) === 5, 'all 5 dead-lettered', 30_000);
    await waitFor(async () => (await pending(pattern, 'g')) === 0, 'nothing pending on the source');
    const originals = (await redis.xrange(dlq, '-', '+')).map(([, raw]) => fieldsOf(raw).dlq_original_id);
    const ledger = ledgerOf(ids, originals);
    report(topology, 'retries-dlq', ledger);
    expect(ledger).toEqual({ emitted: 5, handled: 5, lost: 0, duplicated: 0 });
    expect(await redis.llen(`${record}:thrown`)).toBe(15); // 3 deliveries each: the retries happened
  });

  it('reclaim: entries held by a SIGKILLed consumer are taken over by another one', async () => {
    const pattern = uniqueName('conf-reclaim');
    const record = `${pattern}:handled`;
    const common = { PATTERN: pattern, GROUP: 'g', RECORD_KEY: record, CONSUMER_LEASE_MS: '1000' };
    const holder = await consumer({ ...common, CONSUMER: 'holder', HANDLER_MS: '60000' });
    const ids = await emit(pattern, numbered(10));
    await waitFor(async () => (await redis.llen(`${record}:started`)) === 10, 'holder holding all 10');
    await holder.stop('SIGKILL');
    expect(await pending(pattern, 'g')).toBe(10);
    const taker = await consumer({
      ...common,
      CONSUMER: 'taker',
      MIN_IDLE_MS: '1000',
      RECLAIM_INTERVAL_MS: '200',
    });
    await waitFor(async () => new Set(await handledIds(record)).size === 10, 'all 10 taken over', 30_000);
    await waitFor(async () => (await pending(pattern, 'g')) === 0, 'nothing pending');
    const pids = (await redis.lrange(`${record}:pids`, 0, -1)).map((line) => Number(line.split('|')[0]));
    expect(new Set(pids)).toEqual(new Set([taker.process.pid]));
    const ledger = ledgerOf(ids, await handledIds(record));
    report(topology, 'reclaim', ledger);
    expect(ledger.lost).toBe(0);
    expect(ledger.duplicated).toBe(0);
  });

  it('crash recovery: a process killed between handler and XACK has the entry redelivered, nothing lost', async () => {
    const pattern = uniqueName('conf-crash');
    const record = `${pattern}:handled`;
    const env = {
      PATTERN: pattern,
      GROUP: 'g',
      RECORD_KEY: record,
      CONSUMER: 'pod-0',
      CONCURRENCY: '1',
      BATCH: '1',
    };
    const first = await consumer(env);
    const ids = await emit(pattern, [...numbered(5), { killAfterSuccess: true }, ...numbered(4)]);
    await first.exited();
    expect(first.process.signalCode).toBe('SIGKILL');
    await consumer(env);
    await waitFor(
      async () => new Set(await handledIds(record)).size === 10,
      'all 10 handled after restart',
      30_000,
    );
    await waitFor(async () => (await pending(pattern, 'g')) === 0, 'nothing pending');
    const seen = await handledIds(record);
    const ledger = ledgerOf(ids, seen);
    report(topology, 'crash-recovery', ledger);
    expect(ledger.lost).toBe(0);
    // The killed delivery was handled, not acknowledged, and handled again: at-least-once, measured.
    expect(seen.filter((id) => id === ids[5]).length).toBe(2);
  });

  it('trimming: the janitor trims behind the slowest group and never removes an unread entry', async () => {
    const pattern = uniqueName('conf-trim');
    const record = `${pattern}:handled`;
    await redis.xgroup('CREATE', pattern, 'slow', '0', 'MKSTREAM');
    await consumer({ PATTERN: pattern, GROUP: 'fast', RECORD_KEY: record });
    const ids = await emit(pattern, numbered(20));
    await waitFor(async () => new Set(await handledIds(record)).size === 20, 'fast group handled all 20');
    await waitFor(async () => (await pending(pattern, 'fast')) === 0, 'fast group acknowledged all');
    expect((await new RedisStreamsAdmin(redis).trim([pattern]))[0].removed).toBe(0); // slow has read nothing

    const read = async (count: number): Promise<string[]> => {
      const reply = (await redis.xreadgroup(
        'GROUP',
        'slow',
        's',
        'COUNT',
        count,
        'STREAMS',
        pattern,
        '>',
      )) as Array<[string, Array<[string, string[]]>]> | null;
      const got = reply ? reply[0][1].map(([id]) => id) : [];
      if (got.length > 0) {
        await redis.xack(pattern, 'slow', ...got);
      }
      return got;
    };
    const slowSeen = await read(8);
    expect((await new RedisStreamsAdmin(redis).trim([pattern]))[0].removed).toBe(8);
    expect(await redis.xlen(pattern)).toBe(12);
    slowSeen.push(...(await read(100)));
    const ledger = ledgerOf(ids, slowSeen);
    report(topology, 'trimming', ledger);
    expect(ledger).toEqual({ emitted: 20, handled: 20, lost: 0, duplicated: 0 });
  });
}
