import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { Scenario, repeatWhileProducing } from '../scenario';

/**
 * Beside the MAXLEN control: the transport's janitor trims with MINID behind the slowest group, every 300 ms while a
 * backlog builds and drains. It must remove entries (or it attacked nothing) and lose none.
 */
export const minidJanitor: Scenario = {
  name: 'minid-janitor',
  summary:
    'the janitor (`XTRIM MINID` behind every group, `nest-redis-streams trim`) every 300 ms while a backlog builds ' +
    '(50 ms handlers, 4 slots per consumer) and drains.',
  consumers: 3,
  consumer: { handlerMs: 50, concurrency: 4 },
  events: 2500,
  rate: 250,
  minFaults: 10,
  fault: async (ctx) => {
    const admin = new RedisStreamsAdmin(ctx.redis.command);
    await repeatWhileProducing(ctx, 300, 300, async () => {
      const [result] = await admin.trim([ctx.stream]);
      ctx.faults.add('janitor pass');
      ctx.faults.add('entry trimmed', result?.removed ?? 0);
    });
  },
  verify: ({ faults }) => (faults.get('entry trimmed') > 0 ? [] : ['the janitor trimmed nothing']),
  timeBudgetMs: 90_000,
};
