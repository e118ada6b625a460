import { LoggerService } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { describeError } from '../errors/describe-error';
import { parsePendingReply } from '../redis/stream-replies';

/** Idle time given to handed-over entries: above any sane `minIdleMs`, so peers take them on their next pass. */
const HANDOVER_IDLE_MS = 24 * 60 * 60 * 1000;

/**
 * On shutdown: makes every entry still in this consumer's PEL claimable by peers at once (XCLAIM to itself with a
 * large IDLE), then deletes the consumer from the group only where its PEL is empty — XGROUP DELCONSUMER with
 * pending entries would make them unclaimable forever. Returns how many entries were handed over.
 */
export async function handOver(
  commands: RedisConnection,
  keys: readonly string[],
  group: string,
  consumer: string,
  logger: LoggerService,
): Promise<number> {
  let handedOver = 0;
  for (const key of keys) {
    try {
      const rows = parsePendingReply(
        await commands.call('XPENDING', key, group, '-', '+', '10000', consumer),
      );
      const ids = rows.map((row) => row.id);
      if (ids.length > 0) {
        await commands.call(
          'XCLAIM',
          key,
          group,
          consumer,
          '0',
          ...ids,
          'IDLE',
          String(HANDOVER_IDLE_MS),
          'JUSTID',
        );
        handedOver += ids.length;
        logger.warn(
          `${key}: handed ${ids.length} unfinished entr${ids.length === 1 ? 'y' : 'ies'} over to peers`,
        );
      } else {
        await commands.xgroup('DELCONSUMER', key, group, consumer);
      }
    } catch (error) {
      logger.warn(`${key}: hand-over failed; entries stay in this consumer's PEL: ${describeError(error)}`);
    }
  }
  return handedOver;
}
