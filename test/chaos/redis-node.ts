/**
 * The scenario's Redis: a private redis-server on a free loopback port (test/support's PrivateRedis), with the
 * faults a scenario injects into it and the runner's own command connection.
 */
import { Redis } from 'ioredis';
import { PrivateRedis } from '../support/redis-server';

/**
 * Persistence of the scenario's Redis.
 * - `aof-always`: AOF with `appendfsync always` — every acknowledged write survives kill -9.
 * - `rdb-manual`: RDB only, written by an explicit SAVE (automatic snapshots off, so the snapshot's moment is known
 *   and the loss of a crash can be predicted exactly).
 * - `none`: no persistence — a crash empties Redis.
 */
export type RedisProfile = 'aof-always' | 'rdb-manual' | 'none';

/** A private Redis and the faults done to it. */
export class RedisNode {
  /** The runner's connection (faults, drain, checker); never one a consumer or the producer uses. */
  readonly command: Redis;

  private constructor(
    private readonly server: PrivateRedis,
    readonly profile: RedisProfile,
  ) {
    this.command = new Redis(server.url, { maxRetriesPerRequest: 50 });
    this.command.on('error', () => undefined); // reconnects are expected here; the consumers' logs tell the story
  }

  /** Starts a server with `profile` on a free loopback port. */
  static async start(profile: RedisProfile): Promise<RedisNode> {
    // DEBUG is refused by default since Redis 7; `local` allows it from loopback connections (DEBUG SLEEP).
    const args = ['--enable-debug-command', 'local'];
    return new RedisNode(await PrivateRedis.start({ appendOnly: profile === 'aof-always', args }), profile);
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return this.server.port;
  }

  /** kill -9: no shutdown, no final save. */
  crash(): Promise<void> {
    return this.server.kill();
  }

  /** Starts the server again on the same port and directory (it loads its AOF or RDB file, if any). */
  restart(): Promise<void> {
    return this.server.startProcess();
  }

  /** A synchronous RDB snapshot (SAVE): what a crash after this returns can roll back to. */
  async save(): Promise<void> {
    await this.command.call('SAVE');
  }

  /** `CLIENT KILL TYPE <type>` (skips the runner's own connection); resolves with how many were killed. */
  async killClients(type: 'normal' | 'pubsub' = 'normal'): Promise<number> {
    return Number(await this.command.call('CLIENT', 'KILL', 'TYPE', type));
  }

  /** `DEBUG SLEEP`: the server answers nobody for `seconds` (a long fork, a slow disk, a stalled VM). */
  async debugSleep(seconds: number): Promise<void> {
    await this.command.call('DEBUG', 'SLEEP', String(seconds));
  }

  /** `CLIENT PAUSE <ms> WRITE`: write commands (XADD, XREADGROUP, XACK, scripts that write) wait; reads answer. */
  async pauseWrites(ms: number): Promise<void> {
    await this.command.call('CLIENT', 'PAUSE', String(ms), 'WRITE');
  }

  /** `CONFIG SET maxmemory` (bytes; 0 = no limit), with `noeviction`: writes that need memory get OOM errors. */
  async setMaxMemory(bytes: number): Promise<void> {
    await this.command.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await this.command.call('CONFIG', 'SET', 'maxmemory', String(bytes));
  }

  /** `used_memory` from INFO memory (bytes). */
  async usedMemory(): Promise<number> {
    const info = String(await this.command.call('INFO', 'memory'));
    return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
  }

  /** Closes the runner's connection, kills the server and removes its directory. */
  async destroy(): Promise<void> {
    this.command.disconnect();
    await this.server.destroy();
  }
}
