/**
 * D — BullMQ. Producer: `Queue.addBulk` 1000 jobs at a time (latency mode: `Queue.add` per event), every job with
 * `removeOnComplete`. Consumer: a `Worker` with concurrency 50 and a no-op processor.
 */
import { Queue, Worker } from 'bullmq';
import type { BenchPayload } from '../support/payload';
import { BenchCase, BenchConsumer, BenchProducer, CaseTarget, pollUntilZero } from './case';

const QUEUE = 'bench';
const BULK = 1000;
const JOB_OPTIONS = { removeOnComplete: true };

async function consumer(target: CaseTarget, onEvent: (payload: unknown) => void): Promise<BenchConsumer> {
  const connection = { host: target.host, port: target.port, maxRetriesPerRequest: null };
  const worker = new Worker(
    QUEUE,
    (job) => {
      onEvent(job.data);
      return Promise.resolve();
    },
    { connection, concurrency: 50 },
  );
  let failed = 0;
  worker.on('failed', () => failed++);
  worker.on('error', (error) => console.error(`bullmq worker: ${error.message}`));
  await worker.waitUntilReady();
  const queue = new Queue(QUEUE, { connection });
  await queue.waitUntilReady();
  return {
    async verify() {
      const left = async (): Promise<number> => {
        const counts = await queue.getJobCounts(
          'wait',
          'active',
          'delayed',
          'prioritized',
          'failed',
          'completed',
        );
        return Object.values(counts).reduce((sum, value) => sum + value, 0);
      };
      const pending = await pollUntilZero(left);
      return { pending, ok: pending === 0 && failed === 0, detail: `jobs left ${pending}, failed ${failed}` };
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}

async function producer(target: CaseTarget): Promise<BenchProducer> {
  const queue = new Queue(QUEUE, { connection: { host: target.host, port: target.port } });
  await queue.waitUntilReady();
  return {
    async burst(count, make) {
      for (let start = 0; start < count; start += BULK) {
        const jobs: { name: string; data: BenchPayload; opts: typeof JOB_OPTIONS }[] = [];
        for (let n = start; n < Math.min(count, start + BULK); n++) {
          jobs.push({ name: 'event', data: make(n), opts: JOB_OPTIONS });
        }
        await queue.addBulk(jobs);
      }
    },
    one: (payload) => queue.add('event', payload, JOB_OPTIONS),
    async close() {
      await queue.close();
    },
  };
}

export const bullmqCase: BenchCase = {
  id: 'D',
  consumer,
  producer,
};
