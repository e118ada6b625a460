import { Scenario } from '../scenario';

const EVERY = 150;

/** The window at-least-once cannot close: the handler's work is done, its XACK never leaves the process. */
export const crashBetweenHandlerAndAck: Scenario = {
  name: 'crash-between-handler-and-ack',
  summary:
    `every ${EVERY}th event makes its consumer SIGKILL itself right after the handler returned, before the XACK; ` +
    'it is respawned with the same name (PEL walk after the lease lapses).',
  consumers: 3,
  consumer: { crashAfterHandling: true, consumerLeaseMs: 1000 },
  events: 2000,
  rate: 150,
  mark: (n) => (n % EVERY === EVERY - 1 ? { crashAfterHandling: true } : {}),
  minFaults: 8,
  fault: async (ctx) => {
    ctx.fleet.respawnCrashed({ sameName: true }, () => ctx.faults.add('SIGKILL after handler, before XACK'));
    while (ctx.producing()) {
      await ctx.sleep(200);
    }
  },
  verify: ({ handlings }) => {
    const times = new Map<string, number>();
    for (const handling of handlings) {
      times.set(handling.e, (times.get(handling.e) ?? 0) + 1);
    }
    const crashed = handlings.filter((handling) => handling.crash).map((handling) => handling.e);
    const once = crashed.filter((e) => (times.get(e) ?? 0) < 2);
    return once.length === 0
      ? []
      : [
          `${once.length} of ${crashed.length} events handled before a crash were not redelivered: ${once.join(', ')}`,
        ];
  },
  timeBudgetMs: 90_000,
};
