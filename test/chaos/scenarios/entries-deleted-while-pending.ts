import { ENVELOPE_FIELDS } from '@app/redis-streams';
import { Scenario, strikeWhileProducing } from '../scenario';

const GROUP = 'chaos';
/** Pending entries deleted per strike. */
const PER_STRIKE = 5;

/**
 * An operator (or a MAXLEN elsewhere) deletes entries that are pending: some held by a live consumer that is running
 * them, some held by one that is then killed. A deleted entry cannot be read again: Redis 7 hands its id back as
 * deleted. Those must leave the PEL (counted), not stay pending forever; everything not deleted is handled.
 */
export const entriesDeletedWhilePending: Scenario = {
  name: 'entries-deleted-while-pending',
  summary:
    `every 1–2 s, ${PER_STRIKE} of a consumer's pending entries are XDELed — alternately while it runs them, and ` +
    'while it is SIGSTOPped, after which it is SIGKILLed and replaced.',
  consumers: 3,
  consumer: { handlerMs: 100 },
  events: 2000,
  rate: 150,
  minFaults: 6,
  predictedLoss: 'the deleted entries no handler had finished (read from the ledgers once drained)',
  fault: async (ctx) => {
    const redis = ctx.redis.command;
    const deletedEvents = new Set<string>();
    let strike = 0;
    await strikeWhileProducing(ctx, 1000, 2000, async (victim) => {
      const freeze = strike++ % 2 === 1;
      if (freeze) {
        victim.process.pause();
      }
      const pending = (await redis.xpending(
        ctx.stream,
        GROUP,
        '-',
        '+',
        PER_STRIKE,
        victim.process.name,
      )) as Array<[string, string, number, number]>;
      for (const [id] of pending) {
        const [entry] = await redis.xrange(ctx.stream, id, id);
        const fields = entry?.[1] ?? [];
        const eventId = fields[fields.indexOf(ENVELOPE_FIELDS.eventId) + 1];
        if ((await redis.xdel(ctx.stream, id)) === 1 && eventId) {
          deletedEvents.add(eventId);
          ctx.faults.add(freeze ? 'XDEL (holder frozen, then killed)' : 'XDEL (holder running it)');
        }
      }
      if (freeze) {
        await victim.process.stop('SIGKILL');
        ctx.faults.add('SIGKILL');
        await ctx.fleet.respawn(victim.slot);
      }
    });
    await ctx.waitDrained();
    const handled = ctx.handledIds();
    ctx.predictLoss([...deletedEvents].filter((eventId) => !handled.has(eventId)));
  },
  verify: ({ health, faults }) => [
    ...(faults.get('XDEL (holder frozen, then killed)') > 0 && faults.get('XDEL (holder running it)') > 0
      ? []
      : ['entries were not deleted in both situations']),
    ...((health.counters.deletedWhilePending ?? 0) > 0
      ? []
      : ['no consumer counted a deleted pending entry']),
  ],
  timeBudgetMs: 120_000,
};
