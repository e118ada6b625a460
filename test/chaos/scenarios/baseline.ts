import { Scenario } from '../scenario';

/** No fault: the figures every other scenario is read against. */
export const baseline: Scenario = {
  name: 'baseline',
  summary: 'three consumers, no fault.',
  consumers: 3,
  events: 2000,
  rate: 250,
  fault: () => Promise.resolve(),
  verify: ({ figures }) =>
    figures.duplicated === 0 ? [] : [`${figures.duplicated} duplicated without a fault`],
  timeBudgetMs: 60_000,
};
