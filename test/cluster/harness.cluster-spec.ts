import { Cluster, Redis } from 'ioredis';
import { uniqueName } from '../support/names';
import { PrivateCluster } from '../support/redis-cluster';
import { waitFor } from '../support/wait';

const ENTRIES = 2000;
/** Keys sharing the stream's slot, so that moving the slot takes several MIGRATE steps. */
const FILLERS = 1000;
const BATCH = 10;

/** `promise`, or a rejection after `ms` (a probe that never settles must not outlive its waitFor deadline). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How a promise ended: its value, or the error message. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    return `ok ${JSON.stringify(await promise)}`;
  } catch (error) {
    return `error ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The cluster test harness, proven with a plain ioredis `Cluster`: the topology `redis-cli --cluster create` builds, a
 * slot moved while a client writes to a stream in it, and a SIGKILLed primary replaced by its replica.
 */
describe('Cluster harness (PrivateCluster)', () => {
  let cluster: PrivateCluster;

  beforeAll(async () => {
    const started = Date.now();
    cluster = await PrivateCluster.start();
    console.log(`cluster harness: start: ${cluster.ports.length} nodes ready in ${Date.now() - started} ms`);
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  async function ready(): Promise<Cluster> {
    const client = cluster.connection();
    await waitFor(() => client.status === 'ready', 'the Cluster client to be ready', 10_000);
    return client;
  }

  it('comes up with 3 primaries owning all slots, each with one linked replica', async () => {
    expect(cluster.primaryPorts).toHaveLength(3);
    expect(cluster.replicaPorts).toHaveLength(3);
    expect(cluster.url()).toBe(
      `redis+cluster://${cluster.primaryPorts.map((p) => `127.0.0.1:${p}`).join(',')}`,
    );
    const ranges = (await cluster.call(cluster.replicaPorts[0], 'CLUSTER', 'SLOTS')) as Array<
      [number, number, [string, number], ...Array<[string, number]>]
    >;
    const slotsOf = new Map<number, number>();
    for (const [start, end, [, port], ...replicas] of ranges) {
      slotsOf.set(port, (slotsOf.get(port) ?? 0) + end - start + 1);
      expect(replicas).toHaveLength(1);
      expect(cluster.replicaPorts).toContain(replicas[0][1]);
    }
    expect([...slotsOf.keys()].sort()).toEqual([...cluster.primaryPorts].sort());
    expect([...slotsOf.values()].reduce((sum, n) => sum + n, 0)).toBe(16384);
    for (const owned of slotsOf.values()) {
      expect(owned).toBeGreaterThan(0);
    }

    const client = await ready();
    try {
      expect(client.nodes('master')).toHaveLength(3);
      expect(client.nodes('slave')).toHaveLength(3);
    } finally {
      client.disconnect();
    }
    console.log(
      `cluster harness: topology: primaries ${cluster.primaryPorts.join(',')} own ${[...slotsOf.values()].join('+')} slots, replicas ${cluster.replicaPorts.join(',')} linked`,
    );
  });

  it('moves a stream’s slot while a Cluster client writes to it: every entry lands once on the new owner', async () => {
    const tag = uniqueName('mig');
    const stream = `{${tag}}:s`;
    const fillers = Array.from({ length: FILLERS }, (_, i) => `{${tag}}:f:${i}`);
    const client = await ready();
    try {
      // One slot, so one MSET per half. Half before the stream exists, half after: Redis 7.0 lists a slot's newest
      // keys first, so the stream moves mid-migration rather than in the first step.
      const half = FILLERS / 2;
      await client.mset(...fillers.slice(0, half).flatMap((key) => [key, 'x']));
      const slot = Number(await cluster.call(cluster.primaryPorts[0], 'CLUSTER', 'KEYSLOT', stream));
      const fromPort = await cluster.primaryPortOf(stream);
      const toPort = cluster.primaryPorts.find((port) => port !== fromPort) as number;

      const ids: string[] = [];
      let failed = 0;
      const writer = (async () => {
        for (let seq = 0; seq < ENTRIES; seq++) {
          try {
            ids.push((await client.xadd(stream, '*', 'seq', String(seq))) as string);
          } catch {
            failed += 1;
          }
        }
      })();

      // What a multi-key command over keys split between source and target gets mid-migration: straight from the
      // source node, and through the Cluster client (which retries TRYAGAIN every retryDelayOnTryAgain ms).
      const observed: string[] = [];
      const clusterProbes: Array<Promise<string>> = [];
      const probeOnce = async (moved: string[]): Promise<void> => {
        const movedKey = moved.find((key) => key !== stream);
        const [stayed] = (await cluster.call(fromPort, 'CLUSTER', 'GETKEYSINSLOT', slot, 1)) as string[];
        if (observed.length > 0 || !movedKey || !stayed) {
          return;
        }
        const node = new Redis(fromPort, '127.0.0.1', { maxRetriesPerRequest: 0, retryStrategy: () => null });
        node.on('error', () => undefined);
        observed.push(`node MGET → ${await outcome(node.mget(movedKey, stayed))}`);
        node.disconnect();
        const sent = Date.now();
        const timed = (label: string, promise: Promise<unknown>): Promise<string> =>
          outcome(promise).then((result) => `${label} → ${result} after ${Date.now() - sent} ms`);
        clusterProbes.push(timed('Cluster MGET', client.mget(movedKey, stayed)));
        clusterProbes.push(
          timed(
            'Cluster EVAL',
            client.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, movedKey, stayed),
          ),
        );
      };

      await waitFor(() => ids.length >= 300, 'the writer to be under way', 10_000);
      await client.mset(...fillers.slice(half).flatMap((key) => [key, 'x']));
      const writtenAtStart = ids.length;
      let streamMovedAt = { step: 0, written: 0 };
      let step = 0;
      let writtenAtEnd = 0;
      const migration = await cluster
        .migrateSlot(slot, toPort, {
          batch: BATCH,
          afterBatch: async (moved) => {
            step += 1;
            if (moved.includes(stream)) {
              streamMovedAt = { step, written: ids.length };
            }
            await probeOnce(moved);
          },
        })
        .finally(() => {
          writtenAtEnd = ids.length;
        });
      await writer;
      observed.push(...(await Promise.all(clusterProbes)));

      expect(failed).toBe(0);
      expect(await cluster.primaryPortOf(stream)).toBe(toPort);
      expect(Number(await cluster.call(toPort, 'XLEN', stream))).toBe(ENTRIES);
      expect(Number(await cluster.call(fromPort, 'CLUSTER', 'COUNTKEYSINSLOT', slot))).toBe(0);
      const entries = (await cluster.call(toPort, 'XRANGE', stream, '-', '+')) as Array<[string, string[]]>;
      const copies = new Map<string, number>();
      for (const [id] of entries) {
        copies.set(id, (copies.get(id) ?? 0) + 1);
      }
      const present = ids.filter((id) => copies.get(id) === 1).length;
      expect(new Set(entries.map(([, fields]) => fields[1])).size).toBe(ENTRIES);
      expect(present).toBe(ENTRIES);
      expect(migration.steps).toBeGreaterThan(1);
      expect(migration.keys).toBe(FILLERS + 1);
      expect(writtenAtStart).toBeLessThan(writtenAtEnd);
      // The stream moved inside the migration and the client went on writing to it (ASK to the importing target).
      expect(streamMovedAt.step).toBeGreaterThan(0);
      expect(writtenAtEnd).toBeGreaterThan(streamMovedAt.written);

      console.log(
        `cluster harness: migration under load: written ${ids.length}, present ${present}, lost ${ENTRIES - present}` +
          ` (slot ${slot} ${fromPort}→${toPort}: ${migration.keys} keys in ${migration.steps} steps of ${BATCH},` +
          ` ${migration.ms} ms; ${writtenAtEnd - writtenAtStart} writes during it, of which` +
          ` ${streamMovedAt.written - writtenAtStart} before the stream moved (step ${streamMovedAt.step}) and` +
          ` ${writtenAtEnd - streamMovedAt.written} after (ASK, then MOVED); ${failed} failed)`,
      );
      console.log(`cluster harness: migration under load: split multi-key probes: ${observed.join('; ')}`);
      await client.del(stream, ...fillers);
    } finally {
      client.disconnect();
    }
  });

  it('survives a SIGKILLed primary: its replica takes over and the Cluster client writes again', async () => {
    const key = `{${uniqueName('failover')}}:s`;
    const client = await ready();
    try {
      await client.xadd(key, '*', 'seq', '0');
      const primaryPort = await cluster.primaryPortOf(key);
      // The entry is on the replica before the kill, so the new primary must have it.
      expect(Number(await cluster.call(primaryPort, 'WAIT', 1, 5000))).toBe(1);

      const killedAt = Date.now();
      const deadPort = await cluster.killPrimaryOf(key);
      const newPort = await cluster.waitForFailover(deadPort);
      const tookOverMs = Date.now() - killedAt;
      // SET is idempotent: a probe that timed out but landed later does no harm. The stream gets exactly one more XADD.
      const probe = key.replace(/:s$/, ':probe');
      await waitFor(
        async () => (await within(client.set(probe, 'up'), 2000)) === 'OK',
        'the Cluster client to write after the failover',
        20_000,
        100,
      );
      await client.xadd(key, '*', 'seq', '1');
      const wroteMs = Date.now() - killedAt;

      expect(deadPort).toBe(primaryPort);
      expect(cluster.replicaPorts).toContain(newPort);
      expect(await cluster.primaryPortOf(key)).toBe(newPort);
      const entries = (await cluster.call(newPort, 'XRANGE', key, '-', '+')) as Array<[string, string[]]>;
      expect(entries.map(([, fields]) => fields[1])).toEqual(['0', '1']);
      console.log(
        `cluster harness: failover: primary ${deadPort} SIGKILLed, replica ${newPort} took over in ${tookOverMs} ms, ` +
          `the Cluster client wrote again after ${wroteMs} ms; entries before/after: 1/1, lost 0`,
      );
      await client.del(key, probe);
    } finally {
      client.disconnect();
    }
  });
});
