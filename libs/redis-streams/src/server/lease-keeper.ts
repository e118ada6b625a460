import { LoggerService } from '@nestjs/common';
import { describeError } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';
import { InFlight } from './in-flight';
import { Periodic } from './periodic';

/**
 * Keeps long-running handlers' entries fresh: every `intervalMs`, entries handled for longer than that are
 * re-claimed by their owner (JUSTID: idle reset, delivery count unchanged), so `minIdleMs` measures liveness, not
 * handler time, and a live slow handler is never run twice. An entry another consumer took meanwhile is counted.
 */
export class LeaseKeeper {
  private readonly periodic: Periodic;

  constructor(
    private readonly scripts: RedisScripts,
    private readonly inFlight: InFlight,
    private readonly group: string,
    private readonly consumer: string,
    intervalMs: number,
    private readonly logger: LoggerService,
    private readonly onLost: (count: number) => void,
  ) {
    this.periodic = new Periodic(intervalMs, () => this.renew(intervalMs));
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  private async renew(intervalMs: number): Promise<void> {
    const byKey = new Map<string, string[]>();
    for (const entry of this.inFlight.startedBefore(Date.now() - intervalMs)) {
      byKey.set(entry.readKey, [...(byKey.get(entry.readKey) ?? []), entry.id]);
    }
    for (const [key, ids] of byKey) {
      try {
        const lost = await this.scripts.renewLeases(key, this.group, this.consumer, ids);
        if (lost > 0) {
          this.onLost(lost);
          this.logger.warn(
            `${key}: ${lost} running entr${lost === 1 ? 'y was' : 'ies were'} taken over by another consumer`,
          );
        }
      } catch (error) {
        this.logger.warn(`lease renewal on ${key} failed: ${describeError(error)}`);
      }
    }
  }
}
