import { Scenario, between } from '../scenario';

/** How long Redis stays down after each kill: the first outlasts the client's 5 reconnection attempts. */
const DOWN_MS = [3000, 800, 1500];

/** Redis dies without warning; with AOF `appendfsync always` every acknowledged write and the group state survive. */
export const redisKillAofAlways: Scenario = {
  name: 'redis-kill-aof-always',
  summary:
    `Redis (AOF, appendfsync always) killed -9 ${DOWN_MS.length} times while events flow, down 3, 0.8 and 1.5 s (the client gives up on emits queued past its 5 reconnection attempts), ` +
    'restarted on the same port and directory.',
  consumers: 3,
  redis: 'aof-always',
  events: 2500,
  rate: 150,
  minFaults: DOWN_MS.length,
  fault: async (ctx) => {
    for (const downMs of DOWN_MS) {
      if (!ctx.producing()) {
        break;
      }
      await ctx.sleep(between(2500, 3500));
      await ctx.redis.crash();
      ctx.faults.add('Redis kill -9');
      try {
        await ctx.sleep(downMs);
      } finally {
        await ctx.redis.restart();
      }
    }
  },
  timeBudgetMs: 90_000,
};
