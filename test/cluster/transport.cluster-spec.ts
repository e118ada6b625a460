import { Cluster } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys, UnrecoverableEventError } from '@app/redis-streams';
import { slotOf } from '@app/redis-streams/redis/redis-connection';
import { ChildConsumer } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { PrivateCluster } from '../support/redis-cluster';
import { waitFor } from '../support/wait';
import { ledgerOf } from '../topologies/conformance';

/** Sum over the primaries of a counter in `INFO commandstats` (`cmdstat_<command>:calls=N`). */
async function commandCalls(cluster: PrivateCluster, command: string): Promise<number> {
  let calls = 0;
  for (const port of cluster.primaryPorts) {
    const info = String(await cluster.call(port, 'INFO', 'commandstats'));
    const match = new RegExp(`^cmdstat_${command.replace('|', '\\|')}:calls=(\\d+)`, 'm').exec(info);
    calls += match ? Number(match[1]) : 0;
  }
  return calls;
}

/** Clients blocked in XREADGROUP, over the primaries (`CLIENT LIST`: flag b, cmd xreadgroup). */
async function blockedReads(cluster: PrivateCluster): Promise<number> {
  let blocked = 0;
  for (const port of cluster.primaryPorts) {
    const list = String(await cluster.call(port, 'CLIENT', 'LIST'));
    blocked += list
      .split('\n')
      .filter((line) => / flags=\S*b\S* /.test(line) && / cmd=xreadgroup/.test(line)).length;
  }
  return blocked;
}

/**
 * The transport on a Redis Cluster of its own (3 primaries + 3 replicas): streams on every primary read with one
 * blocking XREADGROUP per slot, a named dead-letter stream outside its stream's slot refused at start, WAIT on the
 * primary that took a write, a slot moved and a primary killed under load. Prints lost/duplicated per scenario.
 */
describe('the transport on Redis Cluster', () => {
  let cluster: PrivateCluster;
  let checks: Cluster;
  let client: ClientRedisStreams;
  let consumer: TestConsumer | undefined;
  const children: ChildConsumer[] = [];

  beforeAll(async () => {
    cluster = await PrivateCluster.start();
    checks = cluster.connection();
    client = new ClientRedisStreams({ url: cluster.url() });
  });
  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await Promise.all(children.splice(0).map((child) => child.stop('SIGKILL')));
  });
  afterAll(async () => {
    await client?.close();
    checks?.disconnect();
    await cluster?.destroy();
  });

  const emit = (pattern: string, data: object): Promise<string> =>
    lastValueFrom(client.emit<string>(pattern, data));
  const pending = async (stream: string, group: string): Promise<number> =>
    ((await checks.xpending(stream, group)) as [number])[0];
  const handledIds = async (record: string): Promise<string[]> =>
    (await checks.lrange(record, 0, -1)).map((line) => line.split('|')[0]);

  it('reads streams on every primary with one blocking read per slot, and unblocks them all on close', async () => {
    const streams: string[] = [];
    const owners = new Set<number>();
    for (let attempt = 0; attempt < 60 && (streams.length < 6 || owners.size < 3); attempt++) {
      const stream = uniqueName(`slots-${attempt}`);
      const owner = await cluster.primaryPortOf(stream);
      if (streams.length < 6 || !owners.has(owner)) {
        streams.push(stream);
        owners.add(owner);
      }
    }
    expect(owners.size).toBe(3);
    const handled = new Map<string, number>(streams.map((stream) => [stream, 0]));
    consumer = await startConsumer(
      streams.map((stream) =>
        eventController(stream, () => void handled.set(stream, (handled.get(stream) ?? 0) + 1)),
      ),
      { url: cluster.url(), group: 'g', blockMs: 20_000 },
    );
    await Promise.all(streams.flatMap((stream) => Array.from({ length: 40 }, (_, n) => emit(stream, { n }))));
    await waitFor(() => [...handled.values()].every((count) => count === 40), 'every stream handled', 20_000);
    for (const stream of streams) {
      await waitFor(async () => (await pending(stream, 'g')) === 0, `${stream}: nothing pending`);
    }
    // A stream and its retry lane share a slot: one blocked read per stream here (each has its own slot).
    const slots = new Set(streams.map(slotOf));
    await waitFor(
      async () => (await blockedReads(cluster)) === slots.size,
      `${slots.size} blocked reads`,
      10_000,
    );
    const unblocksBefore = await commandCalls(cluster, 'client|unblock');
    const closing = Date.now();
    await consumer.close();
    consumer = undefined;
    const closeMs = Date.now() - closing;
    expect(await commandCalls(cluster, 'client|unblock')).toBe(unblocksBefore + slots.size);
    expect(await blockedReads(cluster)).toBe(0);
    expect(closeMs).toBeLessThan(10_000); // blockMs is 20 s: no reader waited out its block
    process.stdout.write(
      `cluster: ${streams.length} streams on ${owners.size} primaries: ${slots.size} blocking reads, closed in ${closeMs} ms\n`,
    );
  });

  it('refuses at start a dead-letter stream outside its stream’s slot, naming the keys; a tagged one works', async () => {
    const stream = uniqueName('dlq-slot');
    const outside = `${stream}:dead_letter`;
    const start = (deadLetterStream: string): Promise<TestConsumer> =>
      startConsumer(
        [
          eventController(stream, () => {
            throw new UnrecoverableEventError('permanent');
          }),
        ],
        { url: cluster.url(), group: 'g', routes: [{ stream, patterns: [stream], deadLetterStream }] },
      );
    await expect(start(outside)).rejects.toThrow(
      new RegExp(`"${stream}" \\(slot ${slotOf(stream)}\\), "${outside}" \\(slot ${slotOf(outside)}\\)`),
    );
    const tagged = `{${stream}}:dead_letter`;
    consumer = await start(tagged);
    await emit(stream, { n: 1 });
    await waitFor(async () => (await checks.xlen(tagged)) === 1, 'the dead letter in the tagged stream');
    expect(await pending(stream, 'g')).toBe(0);
  });

  it('emitReplicated waits for the replica of the primary that took the write', async () => {
    const stream = uniqueName('replicated');
    const result = await client.emitReplicated(stream, { n: 1 }, { replicas: 1, timeoutMs: 5000 });
    expect(result.confirmed).toBe(true);
    expect(result.replicas).toBeGreaterThanOrEqual(1);
    expect(await checks.xlen(stream)).toBe(1);
  });

  it('follows a slot moved under load (ASK, MOVED, TRYAGAIN): nothing lost', async () => {
    const stream = uniqueName('migrate');
    const record = `${stream}:handled`;
    // Keys sharing the slot, so the move takes many steps while entries are written, read, retried and acked.
    for (let i = 0; i < 200; i++) {
      await checks.set(`${StreamKeys.base(stream)}:filler:${i}`, 'x');
    }
    children.push(
      await ChildConsumer.start({
        REDIS_URL: cluster.url(),
        PATTERN: stream,
        GROUP: 'g',
        RECORD_KEY: record,
        RETRY_DELAY_MS: '50',
      }),
    );
    const from = await cluster.primaryPortOf(stream);
    const to = cluster.primaryPorts.find((port) => port !== from) as number;
    const total = 1500;
    const ids: string[] = [];
    let migration: ReturnType<PrivateCluster['migrateSlot']> | undefined;
    for (let n = 0; n < total; n += 25) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 25 }, (_, i) => emit(stream, { n: n + i, failOnce: (n + i) % 10 === 0 })),
        )),
      );
      if (n >= 300 && migration === undefined) {
        migration = cluster.migrateSlot(slotOf(stream), to, { batch: 5 });
      }
    }
    const moved = await (migration as ReturnType<PrivateCluster['migrateSlot']>);
    await waitFor(
      async () => new Set(await handledIds(record)).size === total,
      `all ${total} handled`,
      60_000,
    );
    await waitFor(async () => (await pending(stream, 'g')) === 0, 'nothing pending');
    expect(await cluster.primaryPortOf(stream)).toBe(to);
    const ledger = ledgerOf(ids, await handledIds(record));
    process.stdout.write(
      `cluster: slot migration under load: emitted ${ledger.emitted}, handled ${ledger.handled}, lost ${ledger.lost}, ` +
        `duplicated ${ledger.duplicated} (slot ${moved.slot}: ${moved.keys} keys in ${moved.steps} steps, ${moved.ms} ms)\n`,
    );
    expect(ledger.lost).toBe(0);
  });

  it('follows a primary SIGKILLed under load to its promoted replica: lost only what replication had not carried', async () => {
    const stream = uniqueName('failover');
    const record = `${stream}:handled`;
    children.push(
      await ChildConsumer.start({
        REDIS_URL: cluster.url(),
        PATTERN: stream,
        GROUP: 'g',
        RECORD_KEY: record,
      }),
    );
    const acked: string[] = [];
    let failed = 0;
    let killed: Promise<number> | undefined;
    for (let n = 0; n < 1000; n += 20) {
      const batch = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => emit(stream, { n: n + i })),
      );
      for (const result of batch) {
        if (result.status === 'fulfilled') {
          acked.push(result.value);
        } else {
          failed++;
        }
      }
      if (n === 400) {
        killed = cluster.killPrimaryOf(stream).then((port) => cluster.waitForFailover(port));
        await killed;
      }
    }
    // What the new primary holds is what replication carried; everything it holds must be handled.
    const survived = new Set(
      ((await checks.xrange(stream, '-', '+')) as Array<[string, string[]]>).map(([id]) => id),
    );
    await waitFor(
      async () => {
        const seen = new Set(await handledIds(record));
        return [...survived].every((id) => seen.has(id));
      },
      'every surviving entry handled',
      60_000,
    );
    const ledger = ledgerOf(acked, await handledIds(record));
    const notReplicated = acked.filter((id) => !survived.has(id)).length;
    process.stdout.write(
      `cluster: primary SIGKILL under load: acknowledged ${acked.length}, failed ${failed}, handled ${ledger.handled}, ` +
        `lost ${ledger.lost} (not replicated before the kill: ${notReplicated}), duplicated ${ledger.duplicated}\n`,
    );
    expect(ledger.lost).toBe(notReplicated);
  });
  it('is not ready while the node of any slot it reads is silent, and ready again when it answers', async () => {
    const first = uniqueName('ready-a');
    const firstOwner = await cluster.primaryPortOf(first);
    let other: string | undefined;
    let otherOwner = firstOwner;
    for (let attempt = 0; attempt < 60 && otherOwner === firstOwner; attempt++) {
      other = uniqueName(`ready-b-${attempt}`);
      otherOwner = await cluster.primaryPortOf(other);
    }
    expect(otherOwner).not.toBe(firstOwner);
    consumer = await startConsumer(
      [first, other as string].map((stream) => eventController(stream, () => undefined)),
      { url: cluster.url(), group: 'g', blockMs: 200, stallMs: 300 },
    );
    const server = consumer.server;
    await waitFor(() => server.health().ready, 'ready', 10_000);
    // SIGSTOP: a node that keeps its sockets open and answers nothing (shorter than cluster-node-timeout, 2 s).
    const pid = Number(
      /process_id:(\d+)/.exec(String(await cluster.call(otherOwner, 'INFO', 'server')))?.[1],
    );
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor(() => !server.health().ready, 'not ready while the second slot’s node is silent', 1500);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(() => server.health().ready, 'ready again', 10_000);
  });
});
