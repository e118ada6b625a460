import { Scenario } from '../scenario';

const CONCURRENCY = 16;
const HANDLER_MS = 4000;
/** Every SLOWEST-th event's handler runs this long instead. */
const SLOWEST_MS = 20_000;
const SLOWEST = 100;
const EVENTS = 800;
/** Every slot must have been busy at least this long. */
const BUSY_FOR_MS = 60_000;

/**
 * Handlers far longer than blockMs + stallMs (700 ms), minIdleMs (1 s) and the name lease (1.5 s), with every slot
 * busy for over a minute: no read is outstanding all that time, which is health, not silence; leases are renewed,
 * so no peer takes a running entry.
 */
export const longHandlersAllSlotsBusy: Scenario = {
  name: 'long-handlers-all-slots-busy',
  summary:
    `${HANDLER_MS / 1000} s handlers (every ${SLOWEST}th: ${SLOWEST_MS / 1000} s; blockMs 200 + stallMs 500, ` +
    `minIdleMs 1 s), ${CONCURRENCY} slots per consumer, ${EVENTS} events at once: every slot busy for over ` +
    `${BUSY_FOR_MS / 60_000} min.`,
  consumers: 3,
  consumer: { concurrency: CONCURRENCY, handlerMs: HANDLER_MS, blockMs: 200, stallMs: 500, minIdleMs: 1000 },
  events: EVENTS,
  rate: 200,
  mark: (n) => (n % SLOWEST === SLOWEST - 1 ? { handlerMs: SLOWEST_MS } : {}),
  fault: async (ctx) => {
    ctx.faults.add(`${HANDLER_MS / 1000} s handlers, all slots busy`);
    while (ctx.producing()) {
      await ctx.sleep(200);
    }
  },
  verify: ({ figures, health, handlings }) => {
    const times = handlings.map((handling) => handling.t);
    const spanMs = times.length > 0 ? Math.max(...times) - Math.min(...times) : 0;
    return [
      ...(figures.duplicated === 0
        ? []
        : [`${figures.duplicated} duplicated: a running entry was taken over`]),
      ...Object.entries(health.notReady).map(
        ([consumer, times]) => `${consumer} lost readiness ${times} time(s)`,
      ),
      ...Object.entries(health.maxRunning)
        .filter(([, running]) => running < CONCURRENCY)
        .map(([consumer, running]) => `${consumer} never had every slot busy (at most ${running})`),
      ...(spanMs >= BUSY_FOR_MS ? [] : [`handlings spanned ${(spanMs / 1000).toFixed(0)} s only`]),
    ];
  },
  timeBudgetMs: 180_000,
};
