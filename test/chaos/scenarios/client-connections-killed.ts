import { Scenario, repeatWhileProducing } from '../scenario';

/** Every client connection cut (a proxy restart, a network blip): reads, acks, leases and emits all reconnect. */
export const clientConnectionsKilled: Scenario = {
  name: 'client-connections-killed',
  summary:
    '`CLIENT KILL TYPE normal` every 2 s while events flow: every consumer and producer connection is cut.',
  consumers: 3,
  events: 2000,
  rate: 150,
  minFaults: 5,
  fault: (ctx) =>
    repeatWhileProducing(ctx, 2000, 2000, async () => {
      ctx.faults.add('CLIENT KILL TYPE normal');
      ctx.faults.add('connection cut', await ctx.redis.killClients('normal'));
    }),
  timeBudgetMs: 90_000,
};
