import { Scenario } from '../scenario';

const XADD_DROP = 0.03;
const READ_DROP = 0.1;

/**
 * Replies lost with the network: the request reached Redis and was executed, its answer never arrived. A lost XADD
 * reply leaves the producer not knowing (ioredis re-sends it on the new connection: a second entry of one event); a
 * lost XREADGROUP reply leaves entries in a consumer's PEL that it never saw.
 */
export const proxyDropsReplies: Scenario = {
  name: 'proxy-drops-replies',
  summary:
    `a TCP proxy between Redis and every client cuts the connection instead of delivering ${XADD_DROP * 100}% of ` +
    `XADD replies and ${READ_DROP * 100}% of the XREADGROUP replies that carry entries.`,
  consumers: 3,
  viaProxy: true,
  events: 2000,
  rate: 150,
  minFaults: 10,
  verify: ({ faults }) =>
    ['XADD reply dropped', 'XREADGROUP reply dropped']
      .filter((kind) => faults.get(kind) === 0)
      .map((kind) => `no ${kind.replace(' dropped', '')} was dropped: the fault missed its target`),
  fault: async (ctx) => {
    const proxy = ctx.proxy;
    if (!proxy) {
      throw new Error('needs the proxy');
    }
    proxy.dropReplies([
      { after: 'XADD', probability: XADD_DROP },
      // An empty XREADGROUP (`*-1`, BLOCK timed out) is spared: dropping it would test reconnecting, not recovery.
      { after: 'XREADGROUP', probability: READ_DROP, minBytes: 64 },
    ]);
    try {
      while (ctx.producing()) {
        await ctx.sleep(200);
      }
    } finally {
      proxy.dropReplies([]);
      ctx.faults.add('XADD reply dropped', proxy.droppedAfter('XADD'));
      ctx.faults.add('XREADGROUP reply dropped', proxy.droppedAfter('XREADGROUP'));
    }
  },
  timeBudgetMs: 90_000,
};
