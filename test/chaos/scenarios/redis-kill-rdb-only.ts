import { Scenario } from '../scenario';

const BEFORE = 800;
const WINDOW = 300;
const AFTER = 800;

/**
 * RDB only: a crash rolls Redis back to its last snapshot. The loss is predicted exactly: the events acknowledged
 * after the last SAVE, emitted while no consumer was reading (so none was handled before the crash).
 */
export const redisKillRdbOnly: Scenario = {
  name: 'redis-kill-rdb-only',
  summary:
    `Redis with RDB snapshots only: ${BEFORE} events, consumers stopped (SIGTERM), SAVE, ${WINDOW} more events, ` +
    `Redis killed -9 and restarted from the snapshot, new consumers, ${AFTER} more events.`,
  consumers: 3,
  redis: 'rdb-manual',
  events: BEFORE + WINDOW + AFTER,
  rate: 200,
  producesItself: true,
  predictedLoss: 'the events Redis acknowledged after the last SAVE (none of them read before the crash)',
  fault: async (ctx) => {
    await ctx.produce(BEFORE, 200);
    const stopped = await ctx.fleet.stopAll('SIGTERM');
    ctx.faults.add('consumers stopped', stopped.length);
    await ctx.redis.save();
    ctx.faults.add('SAVE');
    const window = await ctx.produce(WINDOW, 300);
    ctx.predictLoss(window.records.filter((record) => record.o === 'ok').map((record) => record.e));
    await ctx.redis.crash();
    ctx.faults.add('Redis kill -9');
    await ctx.redis.restart();
    await ctx.fleet.start(stopped.length);
    await ctx.produce(AFTER, 200);
  },
  timeBudgetMs: 90_000,
};
