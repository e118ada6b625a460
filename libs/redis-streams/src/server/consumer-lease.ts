import { randomBytes } from 'node:crypto';
import { LoggerService } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { describeError } from '../errors/describe-error';
import { RedisStreamsError } from '../errors/redis-streams.error';
import { RedisScripts } from '../lua/scripts';
import { Periodic } from './periodic';

/** Another live process uses this consumer name in this group. */
export class ConsumerNameInUseError extends RedisStreamsError {}

/** This process lost its consumer name to another process while it was stalled: it stopped consuming. */
export class ConsumerNameLostError extends RedisStreamsError {}

/**
 * Makes a consumer name belong to one live process: a lease key renewed while the process runs. A second process
 * with the same name waits for the lease of a dead holder to expire (a restart after a crash), and is refused when
 * the holder is alive — two processes sharing a name would share one PEL and re-run each other's entries.
 *
 * The holder knows until when its lease is surely valid (the time it sent the last renewal plus the lease). Past
 * that — after a stall — it confirms the lease with Redis before it takes or settles anything ({@link mayWrite}). A
 * lapsed lease nobody took is taken back; one another process took is lost for good: `onLost` is called once and
 * every later {@link mayWrite} says no.
 */
export class ConsumerLease {
  private readonly token = randomBytes(8).toString('hex');
  private readonly periodic: Periodic;
  private validUntil = 0;
  private lostName = false;
  private confirming: Promise<boolean> | undefined;

  constructor(
    private readonly commands: RedisConnection,
    private readonly key: string,
    private readonly consumer: string,
    private readonly leaseMs: number,
    private readonly logger: LoggerService,
    private readonly onLost: (error: ConsumerNameLostError) => void,
  ) {
    this.periodic = new Periodic(Math.max(10, Math.floor(leaseMs / 3)), async () => {
      await this.confirm();
    });
  }

  /** True once another process took the name. */
  get lost(): boolean {
    return this.lostName;
  }

  /** Takes the lease, waiting up to one lease period for a dead holder's to expire; then keeps renewing it. */
  async acquire(): Promise<void> {
    const deadline = Date.now() + this.leaseMs + 500;
    for (;;) {
      const sentAt = Date.now();
      if ((await this.commands.set(this.key, this.token, 'PX', this.leaseMs, 'NX')) === 'OK') {
        this.validUntil = sentAt + this.leaseMs;
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

  /**
   * True while this process surely holds the name (no Redis call); else a promise: the lease confirmed with Redis
   * (false once it is lost). Rejects when Redis cannot be asked: the caller tries again later.
   */
  mayWrite(): boolean | Promise<boolean> {
    if (this.lostName) {
      return false;
    }
    return Date.now() < this.validUntil ? true : this.confirm();
  }

  /** Stops renewing and gives the name back. */
  async release(): Promise<void> {
    await this.periodic.stop();
    if (this.lostName) {
      return;
    }
    try {
      await RedisScripts.for(this.commands).releaseConsumerLease(this.key, this.token);
    } catch (error) {
      this.logger.warn(`consumer lease not released (it expires by itself): ${describeError(error)}`);
    }
  }

  /** Stops renewing (the process gives up the name without deleting it: after it was lost). */
  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private confirm(): Promise<boolean> {
    this.confirming ??= this.renew().finally(() => (this.confirming = undefined));
    return this.confirming;
  }

  private async renew(): Promise<boolean> {
    if (this.lostName) {
      return false;
    }
    const sentAt = Date.now();
    if (await RedisScripts.for(this.commands).renewConsumerLease(this.key, this.token, this.leaseMs)) {
      this.validUntil = sentAt + this.leaseMs;
      return true;
    }
    if ((await this.commands.set(this.key, this.token, 'PX', this.leaseMs, 'NX')) === 'OK') {
      this.validUntil = sentAt + this.leaseMs;
      this.logger.warn(
        `consumer name "${this.consumer}": its lease had lapsed (this process stalled?); taken back`,
      );
      return true;
    }
    this.lostName = true;
    void this.periodic.stop();
    this.onLost(
      new ConsumerNameLostError(
        `consumer name "${this.consumer}" was taken by another process while this one stalled: ` +
          'this server stopped reading and settles nothing more; restart it (with a name no other process uses)',
      ),
    );
    return false;
  }
}
