import { Scenario } from '../scenario';

/** Every client connection cut (a proxy restart, a network blip): reads, acks, leases and emits all reconnect. */
export const clientConnectionsKilled: Scenario = {
  name: 'client-connections-killed',
  summary:
    '`CLIENT KILL TYPE normal` every 2 s while events flow: every consumer and producer connection is cut.',
  consumers: 3,
  events: 2000,
  rate: 150,
  minFaults: 5,
  fault: async (ctx) => {
    while (ctx.producing()) {
      await ctx.sleep(2000);
      if (!ctx.producing()) {
        break;
      }
      ctx.faults.add('CLIENT KILL TYPE normal');
      ctx.faults.add('connection cut', await ctx.redis.killClients('normal'));
    }
  },
  timeBudgetMs: 90_000,
};
