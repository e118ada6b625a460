import { randomBytes } from 'node:crypto';
import { LoggerService } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { describeError } from '../errors/describe-error';
import { RedisStreamsError } from '../errors/redis-streams.error';
import { Periodic } from './periodic';

/** Another live process uses this consumer name in this group. */
export class ConsumerNameInUseError extends RedisStreamsError {}

const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Makes a consumer name belong to one live process: a lease key renewed while the process runs. A second process
 * with the same name waits for the lease of a dead holder to expire (a restart after a crash), and is refused when
 * the holder is alive — two processes sharing a name would share one PEL and re-run each other's entries.
 */
export class ConsumerLease {
  private readonly key: string;
  private readonly token = randomBytes(8).toString('hex');
  private readonly periodic: Periodic;

  constructor(
    private readonly commands: Redis,
    group: string,
    private readonly consumer: string,
    private readonly leaseMs: number,
    private readonly logger: LoggerService,
  ) {
    this.key = `nrs:consumer:${group}:${consumer}`;
    this.periodic = new Periodic(Math.max(10, Math.floor(leaseMs / 3)), () => this.renew());
  }

  /** Takes the lease, waiting up to one lease period for a dead holder's to expire; then keeps renewing it. */
  async acquire(): Promise<void> {
    const deadline = Date.now() + this.leaseMs + 500;
    for (;;) {
      if ((await this.commands.set(this.key, this.token, 'PX', this.leaseMs, 'NX')) === 'OK') {
        this.periodic.start();
        return;
      }
      if (Date.now() > deadline) {
        throw new ConsumerNameInUseError(
          `consumer name "${this.consumer}" is in use by another live process: give each process its own name`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, this.leaseMs / 5)));
    }
  }

  /** Stops renewing and gives the name back. */
  async release(): Promise<void> {
    await this.periodic.stop();
    try {
      await this.commands.eval(RELEASE_LUA, 1, this.key, this.token);
    } catch (error) {
      this.logger.warn(`consumer lease not released (it expires by itself): ${describeError(error)}`);
    }
  }

  private async renew(): Promise<void> {
    const renewed = Number(
      await this.commands.eval(RENEW_LUA, 1, this.key, this.token, String(this.leaseMs)),
    );
    if (renewed !== 1) {
      this.logger.warn(
        `consumer name "${this.consumer}" lease was lost (this process stalled?); taking it back`,
      );
      await this.commands.set(this.key, this.token, 'PX', this.leaseMs, 'NX');
    }
  }
}
