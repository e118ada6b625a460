import { Scenario } from '../scenario';

const BEFORE = 1000;
const AFTER = 1000;

/** No persistence: a crash empties Redis under running consumers; they recreate their group from 0. */
export const redisKillNoPersistence: Scenario = {
  name: 'redis-kill-no-persistence',
  summary:
    `Redis without persistence: ${BEFORE} events handled, Redis killed -9 and restarted empty under the running ` +
    `consumers, ${AFTER} more events (the group is recreated from 0: none of them may be skipped).`,
  consumers: 3,
  redis: 'none',
  events: BEFORE + AFTER,
  rate: 200,
  producesItself: true,
  fault: async (ctx) => {
    await ctx.produce(BEFORE, 200);
    await ctx.waitDrained();
    await ctx.redis.crash();
    ctx.faults.add('Redis kill -9');
    await ctx.sleep(500);
    await ctx.redis.restart();
    await ctx.produce(AFTER, 200);
  },
  timeBudgetMs: 90_000,
};
