import { Topology } from '@app/redis-streams/admin';
import {
  EVENTS_STREAM,
  INGESTION_QUEUE_STREAM,
  LIGHTRAG_WORKERS_GROUP,
  METRICS_COLLECTOR_GROUP,
} from '@app/contracts';

/** The frontends' groups on `shield:events` (seed 000). Nothing in this repo consumes them: they pin retention. */
export const FRONTEND_GROUPS = ['ag-ui-frontend', 'power-ui-frontend', 'dashboard-frontend'] as const;

/** The seed 000 topology, the same as config/streams.yaml (a unit test keeps the two equal). */
export const SHIELD_TOPOLOGY: Topology = {
  streams: [
    {
      name: INGESTION_QUEUE_STREAM,
      groups: [LIGHTRAG_WORKERS_GROUP, METRICS_COLLECTOR_GROUP].map((name) => ({ name, start: '0' })),
    },
    {
      name: EVENTS_STREAM,
      groups: [...FRONTEND_GROUPS, METRICS_COLLECTOR_GROUP].map((name) => ({ name, start: '0' })),
    },
  ],
};
