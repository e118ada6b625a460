import { Scenario } from '../scenario';
import type { ChaosPayload } from '../consumer-settings';
import type { ProductionSummary } from '../producer';

const BEFORE = 600;
const FULL = 400;
const AFTER = 600;
/** Every RETRIED-th event fails twice (retried: a schedule write while Redis is full). */
const RETRIED = 10;
/** Every DEAD-th event fails every delivery (dead-lettered: an XADD to the DLQ while Redis is full). */
const DEAD = 40;

const mark = (n: number): Partial<ChaosPayload> =>
  n % DEAD === 0 ? { failDeliveries: 99 } : n % RETRIED === 0 ? { failDeliveries: 2 } : {};

/** What the fault saw, for verify(). */
const seen: { phases: ProductionSummary[] } = { phases: [] };

/**
 * Redis full (`maxmemory` below what it holds, `noeviction`) with a backlog, retries and dead letters in flight:
 * every XADD is refused with OOM and the producer is told so (nothing accepted and then dropped); consumers keep
 * draining (XREADGROUP and XACK need no memory) while the retry schedules and dead-letter moves Redis refuses stay
 * pending until they can be written; once memory is back everything flows.
 */
export const maxmemoryNoeviction: Scenario = {
  name: 'maxmemory-noeviction',
  summary:
    `${BEFORE} events (a backlog: 250 ms handlers; every ${RETRIED}th fails twice, every ${DEAD}th always), then ` +
    `\`maxmemory\` below used memory (\`noeviction\`) while ${FULL} more are emitted, then the limit lifted and ` +
    `${AFTER} more.`,
  consumers: 3,
  consumer: { handlerMs: 250, concurrency: 8 },
  events: BEFORE + FULL + AFTER,
  rate: 200,
  producesItself: true,
  minFaults: 1,
  fault: async (ctx) => {
    seen.phases = [];
    seen.phases.push(await ctx.produce(BEFORE, 200, { mark }));
    const used = await ctx.redis.usedMemory();
    await ctx.redis.setMaxMemory(Math.floor(used / 2));
    ctx.faults.add('maxmemory below used memory');
    try {
      seen.phases.push(await ctx.produce(FULL, 100, { mark }));
    } finally {
      await ctx.redis.setMaxMemory(0);
    }
    seen.phases.push(await ctx.produce(AFTER, 200, { mark }));
  },
  verify: ({ figures }) => {
    const [before, full, after] = seen.phases;
    if (!before || !full || !after) {
      return ['the scenario did not get through its phases'];
    }
    const refusedForMemory = full.records.filter(
      (record) => record.o === 'failed' && /OOM/.test(record.why ?? ''),
    ).length;
    const doomed = [before, after]
      .flatMap((phase) => phase.records.filter((record, n) => record.o === 'ok' && n % DEAD === 0))
      .map((record) => record.e);
    return [
      ...(refusedForMemory === full.emitted
        ? []
        : [`${full.emitted} emitted while full, but only ${refusedForMemory} refused with OOM`]),
      ...(figures.deadLettered === doomed.length
        ? []
        : [
            `${figures.deadLettered} dead-lettered, ${doomed.length} events were made to fail every delivery`,
          ]),
    ];
  },
  timeBudgetMs: 120_000,
};
