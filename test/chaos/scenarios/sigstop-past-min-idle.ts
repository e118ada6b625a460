import { Scenario, between, strikeWhileProducing, takeoversNoticed } from '../scenario';

/** A process frozen (SIGSTOP: a long GC, a paused VM) past minIdleMs: peers take its entries, it wakes up late. */
export const sigstopPastMinIdle: Scenario = {
  name: 'sigstop-past-min-idle',
  summary:
    'a consumer SIGSTOPped for 2.5–4 s (minIdleMs 1 s, name lease 1.5 s) then SIGCONTed, one after another while ' +
    'events flow.',
  consumers: 3,
  consumer: { handlerMs: 20, minIdleMs: 1000, consumerLeaseMs: 1500 },
  events: 2000,
  rate: 150,
  minFaults: 3,
  fault: (ctx) =>
    strikeWhileProducing(ctx, 1000, 2000, async (victim) => {
      victim.process.pause();
      ctx.faults.add('SIGSTOP');
      try {
        await ctx.sleep(between(2500, 4000));
      } finally {
        victim.process.resume();
      }
    }),
  // Every entry a woken process had lost is counted by it, whether it had already run it or not.
  verify: takeoversNoticed,
  timeBudgetMs: 90_000,
};
