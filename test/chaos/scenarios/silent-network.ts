import { Scenario, between, repeatWhileProducing } from '../scenario';

/**
 * The network goes silent: every packet dropped, no RST, no FIN. Nobody is told; only timeouts can notice. Commands
 * sent meanwhile reach Redis when it comes back (TCP retransmits them), possibly on connections the client has
 * already given up: a blocked XREADGROUP then delivers entries to a socket nobody reads.
 */
export const silentNetwork: Scenario = {
  name: 'silent-network',
  summary:
    'the proxy between Redis and every client stops forwarding (no RST, no FIN) for 3–6 s, then delivers what it ' +
    'held, repeatedly while events flow (stallMs 1 s).',
  consumers: 3,
  viaProxy: true,
  events: 3000,
  rate: 150,
  minFaults: 2,
  // Silence longer than stallMs must show: each process's readiness drops once per silence at least.
  verify: ({ faults, health }) =>
    Object.keys(health.maxRunning)
      .filter((process) => (health.notReady[process] ?? 0) < faults.get('network silent'))
      .map(
        (process) => `${process} did not report every silence (not ready ${health.notReady[process] ?? 0}×)`,
      ),
  fault: (ctx) =>
    repeatWhileProducing(ctx, 2000, 4000, async () => {
      const proxy = ctx.proxy;
      if (!proxy) {
        throw new Error('needs the proxy');
      }
      proxy.silence();
      ctx.faults.add('network silent');
      try {
        await ctx.sleep(between(3000, 6000));
      } finally {
        proxy.heal();
      }
    }),
  timeBudgetMs: 120_000,
};
