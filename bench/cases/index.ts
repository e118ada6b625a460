import type { CaseId } from '../support/protocol';
import type { BenchCase } from './case';

/** Loads one case only, so a child process carries no other case's libraries (their memory would count). */
export async function loadCase(id: CaseId): Promise<BenchCase> {
  switch (id) {
    case 'B':
      return (await import('./raw-ioredis')).rawIoredisCase;
    case 'P':
      return (await import('./project')).projectCase;
    case 'D':
      return (await import('./bullmq')).bullmqCase;
    case 'E':
      return (await import('./nest-redis')).nestRedisCase;
  }
}

export const CASE_TITLES: Record<CaseId, string> = {
  B: 'raw ioredis: XADD pipelined ×100 → XREADGROUP COUNT 100, no-op, one XACK per batch',
  P: 'this project: ClientRedisStreams.emit → ServerRedisStreams (default options) → @EventPattern no-op',
  D: 'BullMQ 6: Queue.addBulk ×1000 → Worker concurrency 50, removeOnComplete',
  E: 'Nest Transport.REDIS (pub/sub, at-most-once): ClientProxy.emit → @EventPattern no-op',
};
