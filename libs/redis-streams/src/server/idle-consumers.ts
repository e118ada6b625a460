import { LoggerService } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { describeError } from '../errors/describe-error';
import { RedisScripts } from '../lua/scripts';

/**
 * Deletes consumers of `group` that have been idle longer than `idleMs` and have nothing pending (a process that
 * went away cleanly or whose entries were all taken over). A consumer with pending entries is never deleted:
 * XGROUP DELCONSUMER would make them unclaimable forever. Returns the names deleted.
 */
export async function sweepIdleConsumers(
  commands: RedisConnection,
  keys: readonly string[],
  group: string,
  self: string,
  idleMs: number,
  logger: LoggerService,
): Promise<string[]> {
  const deleted: string[] = [];
  for (const key of keys) {
    try {
      const consumers = (await commands.xinfo('CONSUMERS', key, group)) as unknown[][];
      for (const info of consumers) {
        const field = (name: string): unknown => info[info.indexOf(name) + 1];
        const name = String(field('name'));
        if (name !== self && Number(field('pending')) === 0 && Number(field('idle')) > idleMs) {
          if (await RedisScripts.for(commands).deleteIdleConsumer(key, group, name)) {
            deleted.push(name);
          }
        }
      }
    } catch (error) {
      logger.warn(`${key}: idle consumer sweep failed: ${describeError(error)}`);
    }
  }
  return deleted;
}
