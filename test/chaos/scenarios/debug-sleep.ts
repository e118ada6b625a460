import { Scenario, between, repeatWhileProducing } from '../scenario';

/** Redis itself stops answering (DEBUG SLEEP: a long fork, a slow disk, a stalled VM) with every socket open. */
export const debugSleep: Scenario = {
  name: 'debug-sleep',
  summary: '`DEBUG SLEEP 2–4` (Redis answers nobody, sockets stay open) every 2–4 s while events flow.',
  consumers: 3,
  events: 2500,
  rate: 150,
  minFaults: 3,
  fault: (ctx) =>
    repeatWhileProducing(ctx, 2000, 4000, async () => {
      ctx.faults.add('DEBUG SLEEP');
      await ctx.redis.debugSleep(between(2, 4));
    }),
  timeBudgetMs: 120_000,
};
