import { Scenario } from '../scenario';

const BEFORE = 300;
const WINDOW = 500;
const MAX_LEN = 100;
const AFTER = 300;

/**
 * The negative control: the users' scripts add with `XADD … MAXLEN`, which trims the oldest entries whether or not a
 * group has read them. With the consumers down, every entry of the window but the newest MAX_LEN is trimmed unread:
 * the checker must find exactly those lost (a checker that cannot see a loss proves nothing elsewhere).
 */
export const maxlenTrimmingProducer: Scenario = {
  name: 'maxlen-trimming-producer',
  summary:
    `negative control: consumers stopped, ${WINDOW} events added with \`XADD … MAXLEN ${MAX_LEN}\` (as the users' ` +
    `scripts do), consumers back; ${BEFORE} events before and ${AFTER} after through the transport.`,
  consumers: 3,
  events: BEFORE + WINDOW + AFTER,
  rate: 200,
  producesItself: true,
  predictedLoss: `the window's events but its newest ${MAX_LEN}: trimmed by MAXLEN before any group read them`,
  fault: async (ctx) => {
    await ctx.produce(BEFORE, 200);
    await ctx.waitDrained();
    const stopped = await ctx.fleet.stopAll('SIGTERM');
    ctx.faults.add('consumers stopped', stopped.length);
    const window = await ctx.produce(WINDOW, 300, { maxLen: MAX_LEN });
    ctx.faults.add('XADD MAXLEN', window.emitted);
    // One connection, pipelined: Redis added them in emit order, so the newest MAX_LEN are the last ones.
    const written = window.records.filter((record) => record.o === 'ok').map((record) => record.e);
    ctx.predictLoss(written.slice(0, Math.max(0, written.length - MAX_LEN)));
    await ctx.fleet.start(stopped.length);
    await ctx.produce(AFTER, 200);
  },
  verify: ({ figures }) =>
    figures.lost === WINDOW - MAX_LEN
      ? []
      : [`the checker found ${figures.lost} lost, ${WINDOW - MAX_LEN} were trimmed`],
  timeBudgetMs: 90_000,
};
