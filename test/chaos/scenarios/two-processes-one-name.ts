import { Scenario } from '../scenario';
import type { ConsumerProcess } from '../fleet';

const LEASE_MS = 1500;

/** What the fault saw, for verify(). */
const seen: { refused: number[]; accepted: string[] } = { refused: [], accepted: [] };

/**
 * Two processes with one consumer name would share one PEL and re-run each other's entries. A second process with a
 * live holder's name must be refused; one started while the holder is frozen past its name lease takes the name,
 * and the holder, once it wakes, must notice, stop reading and settle nothing more (fencing).
 */
export const twoProcessesOneName: Scenario = {
  name: 'two-processes-one-name',
  summary:
    "a second process started with a running consumer's name (must be refused), then one started while the holder " +
    `is SIGSTOPped past its ${LEASE_MS / 1000} s name lease (takes the name; the woken holder must fence itself).`,
  consumers: 3,
  consumer: { handlerMs: 20, consumerLeaseMs: LEASE_MS },
  events: 3000,
  rate: 150,
  minFaults: 4,
  fault: async (ctx) => {
    seen.refused = [];
    seen.accepted = [];
    while (ctx.producing()) {
      await ctx.sleep(1000);
      const [holder] = ctx.fleet.running();
      if (!holder || !ctx.producing()) {
        break;
      }
      const refused = ctx.fleet.startTwin(holder.slot);
      ctx.faults.add('twin of a live holder');
      if (
        await refused.ready.then(
          () => true,
          () => false,
        )
      ) {
        seen.accepted.push(`${refused.process.name}: a twin of a live holder started`);
        await refused.process.stop('SIGKILL');
      } else {
        seen.refused.push(refused.process.pid);
      }

      holder.process.pause();
      ctx.faults.add('SIGSTOP');
      let twin: ConsumerProcess;
      try {
        const started = ctx.fleet.startTwin(holder.slot);
        twin = started.process;
        ctx.faults.add('twin of a frozen holder');
        await started.ready;
      } finally {
        holder.process.resume();
      }
      ctx.fleet.place(holder.slot, twin);
      // The woken holder fences itself (readiness lost for good); then it is stopped like any old pod.
      await ctx.sleep(LEASE_MS);
      await holder.process.stop('SIGTERM');
      ctx.faults.add('fenced holder stopped');
    }
  },
  verify: ({ exits, health }) => {
    const problems = [...seen.accepted];
    if (seen.refused.length === 0) {
      problems.push('no twin of a live holder was tried');
    }
    for (const exit of exits.filter((candidate) => seen.refused.includes(candidate.pid))) {
      if (exit.code === 0 || exit.signal !== null) {
        problems.push(
          `a refused twin of ${exit.consumer} ended with code ${exit.code}, signal ${exit.signal}`,
        );
      }
    }
    if ((health.counters.consumerNameLost ?? 0) === 0) {
      problems.push('no woken holder noticed it had lost its name');
    }
    return problems;
  },
  timeBudgetMs: 120_000,
};
