import { Scenario } from '../scenario';

const CONCURRENCY = 32;
const HANDLER_MS = 1500;

/**
 * Handlers longer than blockMs + stallMs (700 ms) and than minIdleMs (1 s) with every slot busy: no read is
 * outstanding for seconds, which is health, not silence; leases are renewed, so no peer takes a running entry.
 */
export const longHandlersAllSlotsBusy: Scenario = {
  name: 'long-handlers-all-slots-busy',
  summary:
    `${HANDLER_MS / 1000} s handlers (blockMs 200 + stallMs 500, minIdleMs 1 s), ${CONCURRENCY} slots per ` +
    'consumer, events arriving faster than they are handled: every slot busy for most of the run.',
  consumers: 3,
  consumer: { concurrency: CONCURRENCY, handlerMs: HANDLER_MS, blockMs: 200, stallMs: 500, minIdleMs: 1000 },
  events: 1200,
  rate: 150,
  fault: async (ctx) => {
    ctx.faults.add(`${HANDLER_MS / 1000} s handlers, all slots busy`);
    while (ctx.producing()) {
      await ctx.sleep(200);
    }
  },
  verify: ({ figures, health }) => [
    ...(figures.duplicated === 0 ? [] : [`${figures.duplicated} duplicated: a running entry was taken over`]),
    ...Object.entries(health.notReady).map(
      ([consumer, times]) => `${consumer} lost readiness ${times} time(s)`,
    ),
    ...Object.entries(health.maxRunning)
      .filter(([, running]) => running < CONCURRENCY)
      .map(([consumer, running]) => `${consumer} never had every slot busy (at most ${running})`),
  ],
  timeBudgetMs: 90_000,
};
