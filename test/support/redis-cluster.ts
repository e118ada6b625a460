import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort, portOpen } from './redis-server';
import { waitFor } from './wait';

const run = promisify(execFile);

/** Cluster bus timeout (ms): short, so a SIGKILLed primary is failed over in a few seconds. */
const NODE_TIMEOUT_MS = 2000;

/** Every live child (and its directory) of every cluster in this process: cleaned up at exit, whatever the tests did. */
const liveChildren = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function track(child: ChildProcess, dir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const [orphan, orphanDir] of liveChildren) {
        orphan.kill('SIGKILL');
        rmSync(orphanDir, { recursive: true, force: true });
      }
    });
  }
  liveChildren.set(child, dir);
  child.once('exit', () => liveChildren.delete(child));
}

/** A loopback address as ioredis takes it. */
export interface Seed {
  host: string;
  port: number;
}

/** Options of {@link PrivateCluster.start}. */
export interface PrivateClusterOptions {
  /** Primaries (at least 3, as `redis-cli --cluster create` requires). */
  primaries?: number;
  /** Replicas of each primary. */
  replicasPerPrimary?: number;
}

/** Options of {@link PrivateCluster.migrateSlot}. */
export interface MigrateSlotOptions {
  /** Keys per `CLUSTER GETKEYSINSLOT` + `MIGRATE … KEYS` step (small: a busy slot takes several steps). */
  batch?: number;
  /** The whole migration's deadline (ms). */
  timeoutMs?: number;
  /** Called after each step with the keys it moved (the slot is MIGRATING/IMPORTING meanwhile). */
  afterBatch?: (moved: string[]) => void | Promise<void>;
}

/** What a {@link PrivateCluster.migrateSlot} did. */
export interface SlotMigration {
  slot: number;
  fromPort: number;
  toPort: number;
  /** `MIGRATE` steps. */
  steps: number;
  keys: number;
  ms: number;
}

/** One `CLUSTER SLOTS` range: `[start, end, [host, port, id], …replicas]`. */
type SlotRange = [number, number, [string, number, string], ...Array<[string, number, string]>];

/** One redis-server of the cluster, in its own temporary directory. */
class ClusterNode {
  readonly dir = mkdtempSync(join(tmpdir(), 'nrs-cluster-'));
  private child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly busPort: number,
  ) {}

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        // The bus port is chosen free too: the default (port + 10000) may be taken or above 65535.
        '--cluster-port',
        String(this.busPort),
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(this.dir, `nodes-${this.port}.conf`),
        '--cluster-node-timeout',
        String(NODE_TIMEOUT_MS),
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--bind',
        '127.0.0.1',
        // A replica's first sync would otherwise wait 5 s for more replicas to share the transfer.
        '--repl-diskless-sync-delay',
        '0',
        // CLUSTER SLOTS (how ioredis finds replicas) omits a replica whose offset is 0, which a primary without writes
        // moves only with its replication PING: every 10 s by default.
        '--repl-ping-replica-period',
        '1',
      ],
      { stdio: 'ignore', detached: false },
    );
    this.child = child;
    track(child, this.dir);
    await waitFor(
      async () => {
        if (!this.alive) {
          throw new Error(`redis-server on port ${this.port} exited (${child.exitCode ?? child.signalCode})`);
        }
        return portOpen(this.port);
      },
      `cluster node on port ${this.port}`,
      10_000,
    );
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Redis Cluster of the test's own on free loopback ports (3 primaries with one replica each by default), built with
 * `redis-cli --cluster create`. It moves slots the way `redis-cli --cluster reshard` does and SIGKILLs primaries for
 * failovers. Everything runs in temporary directories and is killed by {@link destroy} (or when the process exits).
 */
export class PrivateCluster {
  private readonly admins = new Map<number, Redis>();
  private readonly clients = new Set<Cluster>();
  /** A slot each killed primary owned, to find who took it over. */
  private readonly slotOfDead = new Map<number, number>();

  private constructor(
    private readonly nodes: ClusterNode[],
    /** The primaries as `redis-cli --cluster create` chose them. */
    readonly primaryPorts: number[],
    readonly replicaPorts: number[],
  ) {}

  /** Starts the nodes, creates the cluster, and waits until every node says `cluster_state:ok` and replicas are linked. */
  static async start({
    primaries = 3,
    replicasPerPrimary = 1,
  }: PrivateClusterOptions = {}): Promise<PrivateCluster> {
    const count = primaries * (1 + replicasPerPrimary);
    const ports = await distinctFreePorts(count * 2);
    const nodes = ports.slice(0, count).map((port, i) => new ClusterNode(port, ports[count + i]));
    try {
      await Promise.all(nodes.map((node) => node.start()));
      await run(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...nodes.map((node) => `127.0.0.1:${node.port}`),
          '--cluster-replicas',
          String(replicasPerPrimary),
          '--cluster-yes',
        ],
        { timeout: 30_000 },
      );
    } catch (error) {
      await Promise.all(nodes.map((node) => node.destroy()));
      throw error;
    }
    const cluster = new PrivateCluster(nodes, [], []);
    try {
      await cluster.waitUntilHealthy(primaries, primaries * replicasPerPrimary);
      for (const node of nodes) {
        const [role] = (await cluster.admin(node.port).call('ROLE')) as [string];
        (role === 'master' ? cluster.primaryPorts : cluster.replicaPorts).push(node.port);
      }
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** Every node's port (primaries and replicas). */
  get ports(): number[] {
    return this.nodes.map((node) => node.port);
  }

  /** Every node, as ioredis `Cluster` startup nodes. */
  get seeds(): Seed[] {
    return this.ports.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** `redis+cluster://127.0.0.1:p1,…` naming the primaries chosen at creation. */
  url(): string {
    return `redis+cluster://${this.primaryPorts.map((port) => `127.0.0.1:${port}`).join(',')}`;
  }

  /** A plain ioredis `Cluster` on the seeds, for checks (disconnected by {@link destroy} if the test did not). */
  connection(): Cluster {
    const cluster = new Cluster(this.seeds, { redisOptions: { connectTimeout: 2000 } });
    cluster.on('error', () => undefined);
    this.clients.add(cluster);
    cluster.once('end', () => this.clients.delete(cluster));
    return cluster;
  }

  /** The port of the primary serving `key` now (`CLUSTER KEYSLOT` + `CLUSTER SLOTS` on a live node). */
  async primaryPortOf(key: string): Promise<number> {
    const slot = Number(await this.call(this.anyLivePort(), 'CLUSTER', 'KEYSLOT', key));
    return this.ownerOf(slot);
  }

  /** The port of the primary owning `slot`, as the node on `askPort` (default: any live node) sees it. */
  async ownerOf(slot: number, askPort = this.anyLivePort()): Promise<number> {
    const ranges = (await this.call(askPort, 'CLUSTER', 'SLOTS')) as SlotRange[];
    const range = ranges.find(([start, end]) => slot >= start && slot <= end);
    if (!range) {
      throw new Error(`slot ${slot} has no owner (asked ${askPort})`);
    }
    return Number(range[2][1]);
  }

  /**
   * Moves `slot` with its keys from its owner to the primary on `toPort`, as `redis-cli --cluster reshard` does:
   * IMPORTING on the target, MIGRATING on the source, `GETKEYSINSLOT` + `MIGRATE … KEYS` until the source has none,
   * then `SETSLOT … NODE` on the target, the source and every other primary. Clients meanwhile get ASK (and TRYAGAIN for
   * multi-key commands over keys split between the two). Resolves once every live node names the new owner.
   */
  async migrateSlot(slot: number, toPort: number, options: MigrateSlotOptions = {}): Promise<SlotMigration> {
    const { batch = 10, timeoutMs = 30_000, afterBatch } = options;
    const started = Date.now();
    const deadline = started + timeoutMs;
    const fromPort = await this.ownerOf(slot);
    const result: SlotMigration = { slot, fromPort, toPort, steps: 0, keys: 0, ms: 0 };
    if (fromPort === toPort) {
      return result;
    }
    const sourceId = String(await this.call(fromPort, 'CLUSTER', 'MYID'));
    const targetId = String(await this.call(toPort, 'CLUSTER', 'MYID'));
    await this.call(toPort, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId);
    await this.call(fromPort, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId);
    for (;;) {
      if (Date.now() > deadline) {
        throw new Error(
          `slot ${slot} still has keys on ${fromPort} after ${timeoutMs} ms (${result.keys} moved)`,
        );
      }
      const keys = (await this.call(fromPort, 'CLUSTER', 'GETKEYSINSLOT', slot, batch)) as string[];
      if (keys.length === 0) {
        break;
      }
      await this.call(fromPort, 'MIGRATE', '127.0.0.1', toPort, '', 0, 5000, 'KEYS', ...keys);
      result.steps += 1;
      result.keys += keys.length;
      await afterBatch?.(keys);
    }
    // Target first: once the source hands the slot over it redirects with MOVED, and the target must accept by then.
    const others = (await this.primaryPortsNow()).filter((port) => port !== toPort && port !== fromPort);
    for (const port of [toPort, fromPort, ...others]) {
      await this.call(port, 'CLUSTER', 'SETSLOT', slot, 'NODE', targetId);
    }
    await waitFor(
      async () => {
        for (const port of this.livePorts()) {
          if ((await this.ownerOf(slot, port)) !== toPort) {
            return false;
          }
        }
        return true;
      },
      `every node to name ${toPort} the owner of slot ${slot}`,
      Math.max(1000, deadline - Date.now()),
      50,
    );
    result.ms = Date.now() - started;
    return result;
  }

  /** SIGKILLs the primary serving `key`; resolves with its port. */
  async killPrimaryOf(key: string): Promise<number> {
    const slot = Number(await this.call(this.anyLivePort(), 'CLUSTER', 'KEYSLOT', key));
    const port = await this.ownerOf(slot);
    this.slotOfDead.set(port, slot);
    await this.node(port).kill();
    this.dropAdmin(port);
    return port;
  }

  /**
   * Waits until a replica of the primary killed on `deadPort` ({@link killPrimaryOf}) owns its slots on every live node,
   * and every live node says `cluster_state:ok`; resolves with the new primary's port.
   */
  async waitForFailover(deadPort: number, timeoutMs = 30_000): Promise<number> {
    const slot = this.slotOfDead.get(deadPort);
    if (slot === undefined) {
      throw new Error(`no primary was killed on port ${deadPort}`);
    }
    return waitFor(
      async () => {
        const owners = new Set<number>();
        for (const port of this.livePorts()) {
          if (!/cluster_state:ok/.test(String(await this.call(port, 'CLUSTER', 'INFO')))) {
            return undefined;
          }
          owners.add(await this.ownerOf(slot, port));
        }
        const [owner] = owners;
        return owners.size === 1 && owner !== deadPort ? owner : undefined;
      },
      `a replica to take over from the primary on ${deadPort}`,
      timeoutMs,
      100,
    );
  }

  /** Disconnects the clients it made, kills every node and removes their directories. */
  async destroy(): Promise<void> {
    for (const client of this.clients) {
      client.disconnect();
    }
    this.clients.clear();
    for (const port of [...this.admins.keys()]) {
      this.dropAdmin(port);
    }
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }

  /** One command to the node on `port`. */
  call(port: number, command: string, ...args: Array<string | number>): Promise<unknown> {
    return this.admin(port).call(command, ...args);
  }

  private async waitUntilHealthy(primaries: number, replicas: number): Promise<void> {
    await waitFor(
      async () => {
        for (const port of this.livePorts()) {
          const info = String(await this.call(port, 'CLUSTER', 'INFO'));
          if (!/cluster_state:ok/.test(info)) {
            return false;
          }
          // Gossip has settled when every node sees every other with its final role.
          const lines = String(await this.call(port, 'CLUSTER', 'NODES'))
            .trim()
            .split('\n');
          const masters = lines.filter((line) => /\bmaster\b/.test(line.split(' ')[2])).length;
          const slaves = lines.filter((line) => /\bslave\b/.test(line.split(' ')[2])).length;
          if (masters !== primaries || slaves !== replicas) {
            return false;
          }
          // ioredis finds the nodes through CLUSTER SLOTS, which lists a replica only once gossip carries its offset.
          const ranges = (await this.call(port, 'CLUSTER', 'SLOTS')) as SlotRange[];
          if (replicas > 0 && ranges.some((range) => range.length - 3 !== replicas / primaries)) {
            return false;
          }
          const [role] = (await this.call(port, 'ROLE')) as [string];
          if (
            role === 'slave' &&
            !/master_link_status:up/.test(String(await this.call(port, 'INFO', 'replication')))
          ) {
            return false;
          }
        }
        return true;
      },
      'the cluster to be ok on every node with its replicas linked',
      30_000,
      100,
    );
  }

  private async primaryPortsNow(): Promise<number[]> {
    const ranges = (await this.call(this.anyLivePort(), 'CLUSTER', 'SLOTS')) as SlotRange[];
    return [...new Set(ranges.map((range) => Number(range[2][1])))];
  }

  private node(port: number): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) {
      throw new Error(`no cluster node on port ${port}`);
    }
    return node;
  }

  private livePorts(): number[] {
    return this.nodes.filter((node) => node.alive).map((node) => node.port);
  }

  private anyLivePort(): number {
    const [port] = this.livePorts();
    if (port === undefined) {
      throw new Error('no cluster node is alive');
    }
    return port;
  }

  /** A plain connection to one node for admin commands (no cluster redirections, no retries). */
  private admin(port: number): Redis {
    const existing = this.admins.get(port);
    if (existing && existing.status !== 'end') {
      return existing;
    }
    const admin = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 2000,
      commandTimeout: 10_000,
    });
    admin.on('error', () => undefined);
    this.admins.set(port, admin);
    return admin;
  }

  private dropAdmin(port: number): void {
    this.admins.get(port)?.disconnect();
    this.admins.delete(port);
  }
}

/** `count` free loopback ports, all different (freePort may hand the same one out twice). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let attempt = 0; ports.size < count && attempt < count * 10; attempt++) {
    ports.add(await freePort());
  }
  if (ports.size < count) {
    throw new Error(`found only ${ports.size} of ${count} free ports`);
  }
  return [...ports];
}
