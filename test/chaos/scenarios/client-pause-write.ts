import { Scenario, between, repeatWhileProducing } from '../scenario';

/**
 * Writes held back (`CLIENT PAUSE … WRITE`, what a failover or a manual maintenance does): XADD, XREADGROUP, XACK
 * and writing scripts wait in the server; reads answer. Nothing fails, everything is late.
 */
export const clientPauseWrite: Scenario = {
  name: 'client-pause-write',
  summary: '`CLIENT PAUSE 2000–4000 WRITE` every 2–4 s while events flow.',
  consumers: 3,
  events: 2500,
  rate: 150,
  minFaults: 3,
  fault: (ctx) =>
    repeatWhileProducing(ctx, 2000, 4000, async () => {
      const ms = between(2000, 4000);
      await ctx.redis.pauseWrites(ms);
      ctx.faults.add('CLIENT PAUSE WRITE');
      await ctx.sleep(ms);
    }),
  timeBudgetMs: 120_000,
};
