import { StreamSnapshot } from '../admin/stream-inspector';

/** Limits a stream and its groups should stay under. Unset limits are not checked. */
export interface StreamBudget {
  /** Most entries not yet delivered to a group. */
  maxLag?: number;
  /** Most lag + pending + scheduled retries of a group. */
  maxBacklog?: number;
  /** Oldest pending entry of a group (ms). */
  maxOldestPendingAgeMs?: number;
  /** Most entries in a stream's dead-letter stream. */
  maxDeadLetters?: number;
  /** A group with backlog must have a consumer active within the last minute. */
  requireActiveConsumers?: boolean;
}

/** One limit exceeded. */
export interface BudgetBreach {
  stream: string;
  group?: string;
  what: 'lag' | 'backlog' | 'oldestPendingAgeMs' | 'deadLetters' | 'noActiveConsumer';
  value: number;
  limit: number;
}

/** The limits of `budget` that `snapshots` exceed (empty when everything is within budget). */
export function budgetBreaches(snapshots: readonly StreamSnapshot[], budget: StreamBudget): BudgetBreach[] {
  const found: BudgetBreach[] = [];
  const over = (
    at: { stream: string; group?: string },
    what: BudgetBreach['what'],
    value: number | null,
    limit: number | undefined,
  ): void => {
    if (limit !== undefined && value !== null && value > limit) {
      found.push({ ...at, what, value, limit });
    }
  };
  for (const snapshot of snapshots) {
    over({ stream: snapshot.stream }, 'deadLetters', snapshot.deadLetters, budget.maxDeadLetters);
    for (const group of snapshot.groups) {
      const at = { stream: snapshot.stream, group: group.name };
      over(at, 'lag', group.lag, budget.maxLag);
      over(at, 'backlog', group.backlog, budget.maxBacklog);
      over(at, 'oldestPendingAgeMs', group.oldestPendingAgeMs, budget.maxOldestPendingAgeMs);
      if (budget.requireActiveConsumers && group.backlog > 0 && group.activeConsumers === 0) {
        found.push({ ...at, what: 'noActiveConsumer', value: 0, limit: 1 });
      }
    }
  }
  return found;
}

/** A one-line description of a breach, for logs and CLI output. */
export function describeBreach(breach: BudgetBreach): string {
  const where = breach.group ? `${breach.stream} / ${breach.group}` : breach.stream;
  return breach.what === 'noActiveConsumer'
    ? `${where}: backlog and no active consumer`
    : `${where}: ${breach.what} ${breach.value} > ${breach.limit}`;
}

/** True when no limit is set at all. */
export function isEmptyBudget(budget: StreamBudget): boolean {
  return Object.values(budget).every((value) => value === undefined || value === false);
}
