import { Scenario, strikeWhileProducing } from '../scenario';

/** SIGKILL storm: consumers die mid-batch, their entries wait in dead consumers' PELs for a takeover. */
export const crashStorm: Scenario = {
  name: 'crash-storm',
  summary: 'a random consumer SIGKILLed every 1–2 s and respawned under a new name while events flow.',
  consumers: 3,
  consumer: { handlerMs: 50 },
  events: 3000,
  rate: 150,
  minFaults: 8,
  fault: (ctx) =>
    strikeWhileProducing(ctx, 1000, 2000, async (victim) => {
      await victim.process.stop('SIGKILL');
      ctx.faults.add('SIGKILL');
      // Not awaited: the next kill may come before this process is up, as in a real crash loop.
      void ctx.fleet.respawn(victim.slot).catch(() => undefined);
    }),
  timeBudgetMs: 90_000,
};
