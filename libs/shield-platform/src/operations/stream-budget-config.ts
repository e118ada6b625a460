import { ConfigService } from '@nestjs/config';
import type { StreamBudget } from '@app/redis-streams/admin';

const LIMITS: Array<[keyof StreamBudget, string]> = [
  ['maxLag', 'HEALTH_MAX_LAG'],
  ['maxBacklog', 'HEALTH_MAX_BACKLOG'],
  ['maxOldestPendingAgeMs', 'HEALTH_MAX_PENDING_AGE_MS'],
  ['maxDeadLetters', 'HEALTH_MAX_DEAD_LETTERS'],
];

/**
 * The apps' stream budget from the environment (`HEALTH_MAX_LAG`, `HEALTH_MAX_BACKLOG`, `HEALTH_MAX_PENDING_AGE_MS`,
 * `HEALTH_MAX_DEAD_LETTERS`; unset = not checked). A value that is not a whole number ≥ 0 stops the app at start.
 */
export function streamBudgetFrom(config: ConfigService): StreamBudget {
  const budget: StreamBudget = {};
  for (const [field, variable] of LIMITS) {
    const raw = config.get<string>(variable);
    if (raw === undefined || raw === '') {
      continue;
    }
    if (!/^\d+$/.test(String(raw).trim())) {
      throw new Error(`${variable} must be a whole number ≥ 0 (got "${String(raw).slice(0, 40)}")`);
    }
    (budget as Record<string, number>)[field] = Number(raw);
  }
  return budget;
}
