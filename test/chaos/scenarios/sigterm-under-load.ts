import { Scenario, strikeWhileProducing } from '../scenario';

/** Rolling restart: SIGTERM drains a consumer (finish, ack, hand over), a new one takes its place. */
export const sigtermUnderLoad: Scenario = {
  name: 'sigterm-under-load',
  summary: 'consumers SIGTERMed one at a time every 2–3 s while events flow, each replaced by a new process.',
  consumers: 3,
  consumer: { handlerMs: 50, shutdownTimeoutMs: 5000 },
  events: 2500,
  rate: 100,
  minFaults: 5,
  fault: (ctx) =>
    strikeWhileProducing(ctx, 2000, 3000, async (victim) => {
      await victim.process.stop('SIGTERM');
      ctx.faults.add('SIGTERM');
      // The replacement starts in the background (a process takes seconds to start here); the runner settles it.
      void ctx.fleet.respawn(victim.slot).catch(() => undefined);
    }),
  verify: ({ figures, exits }) => [
    ...(figures.duplicated === 0 ? [] : [`${figures.duplicated} duplicated: a drain ran something twice`]),
    ...exits
      .filter((exit) => exit.signal === null && exit.code !== 0)
      .map((exit) => `${exit.consumer} exited with status ${exit.code} after SIGTERM`),
    ...exits
      .filter((exit) => exit.signal !== null && exit.signal !== 'SIGKILL')
      .map((exit) => `${exit.consumer} died of ${exit.signal}`),
  ],
  timeBudgetMs: 90_000,
};
