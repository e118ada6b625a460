import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { PrivateRedis, freePort, portOpen } from './redis-server';
import { waitFor } from './wait';

/** How long sentinels wait before they call a silent primary down (ms): short, so a test's failover is quick. */
const DOWN_AFTER_MS = 1000;

/**
 * A Sentinel-managed primary of the test's own on free loopback ports: a primary, one replica, and three sentinels
 * (quorum 2) monitoring it under `name`. Everything runs in temporary directories and is killed by {@link destroy}.
 */
export class PrivateSentinelSet {
  private readonly sentinelProcesses: ChildProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'nrs-sentinel-'));

  private constructor(
    readonly name: string,
    readonly nodes: PrivateRedis[],
    readonly sentinelPorts: number[],
  ) {}

  /** Starts the primary, the replica (synced), and three sentinels that agree on the primary. */
  static async start(name = 'nrs'): Promise<PrivateSentinelSet> {
    const primary = await PrivateRedis.start();
    const replica = await PrivateRedis.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const set = new PrivateSentinelSet(
      name,
      [primary, replica],
      [await freePort(), await freePort(), await freePort()],
    );
    await set.waitForReplication(replica.port);
    for (const port of set.sentinelPorts) {
      set.startSentinel(port, primary.port);
    }
    for (const port of set.sentinelPorts) {
      await waitFor(() => portOpen(port), `sentinel on port ${port}`, 10_000);
    }
    await waitFor(
      async () => (await set.primaryPort()) === primary.port,
      'the sentinels to agree on the primary',
    );
    await waitFor(
      async () => (await set.sentinelCall<unknown[]>('SENTINEL', 'replicas', name)).length === 1,
      'the sentinels to see the replica',
    );
    return set;
  }

  /** `redis+sentinel://<the sentinels>/<name>`: the set as a connection URL. */
  url(): string {
    return `redis+sentinel://${this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',')}/${this.name}`;
  }

  /** The sentinels, as ioredis `sentinels` option. */
  get sentinels(): Array<{ host: string; port: number }> {
    return this.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  }

  /** The port of the primary the sentinels name now. */
  async primaryPort(): Promise<number> {
    const [, port] = await this.sentinelCall<[string, string]>(
      'SENTINEL',
      'get-master-addr-by-name',
      this.name,
    );
    return Number(port);
  }

  /** The node running on `port`. */
  node(port: number): PrivateRedis {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) {
      throw new Error(`no node on port ${port}`);
    }
    return node;
  }

  /** `SENTINEL FAILOVER`: the replica is promoted without the primary dying; resolves once the sentinels name it. */
  async failover(): Promise<number> {
    const before = await this.primaryPort();
    await this.sentinelCall('SENTINEL', 'FAILOVER', this.name);
    await waitFor(
      async () => (await this.primaryPort()) !== before,
      'the sentinels to promote the replica',
      30_000,
    );
    return this.primaryPort();
  }

  /** SIGKILLs the primary; resolves with the new primary's port once the sentinels promoted the replica. */
  async killPrimary(): Promise<number> {
    const before = await this.primaryPort();
    await this.node(before).kill();
    await waitFor(
      async () => (await this.primaryPort()) !== before,
      'the sentinels to promote the replica',
      30_000,
    );
    return this.primaryPort();
  }

  /** Waits until the replica on `replicaPort` is in sync with its primary. */
  async waitForReplication(replicaPort: number): Promise<void> {
    const replica = new Redis(replicaPort, '127.0.0.1', { lazyConnect: true });
    try {
      await waitFor(
        async () => /master_link_status:up/.test(await replica.info('replication')),
        `the replica on ${replicaPort} to sync`,
        15_000,
      );
    } finally {
      replica.disconnect();
    }
  }

  async destroy(): Promise<void> {
    for (const child of this.sentinelProcesses) {
      child.kill('SIGKILL');
    }
    await Promise.all(this.nodes.map((node) => node.destroy()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private startSentinel(port: number, primaryPort: number): void {
    const file = join(this.dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${this.dir}`,
        `sentinel monitor ${this.name} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${this.name} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${this.name} 5000`,
        `sentinel parallel-syncs ${this.name} 1`,
        '',
      ].join('\n'),
    );
    this.sentinelProcesses.push(spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' }));
  }

  /** One command to the first sentinel that answers. */
  private async sentinelCall<T>(...args: string[]): Promise<T> {
    let last: unknown;
    for (const port of this.sentinelPorts) {
      const sentinel = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
      sentinel.on('error', () => undefined);
      try {
        await sentinel.connect();
        return (await sentinel.call(args[0], ...args.slice(1))) as T;
      } catch (error) {
        last = error;
      } finally {
        sentinel.disconnect();
      }
    }
    throw last instanceof Error ? last : new Error('no sentinel answered');
  }
}
