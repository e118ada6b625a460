/**
 * B — the raw ioredis ceiling. Producer: XADD pipelined in batches of 100 (latency mode: one XADD per event).
 * Consumer: XREADGROUP COUNT 100 on its own connection, a no-op per entry, one XACK per batch (sent on the same
 * connection right before the next XREADGROUP, so the two travel together).
 */
import { Redis } from 'ioredis';
import type { BenchPayload } from '../support/payload';
import { BenchCase, BenchConsumer, BenchProducer, CaseTarget, GROUP, STREAM, pollUntilZero } from './case';

const BATCH = 100;

type ReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

function connection(target: CaseTarget): Redis {
  return new Redis({ host: target.host, port: target.port, maxRetriesPerRequest: null, lazyConnect: true });
}

async function consumer(target: CaseTarget, onEvent: (payload: unknown) => void): Promise<BenchConsumer> {
  const redis = connection(target);
  await redis.connect();
  try {
    await redis.xgroup('CREATE', STREAM, GROUP, '$', 'MKSTREAM');
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) {
      throw error;
    }
  }
  let stopping = false;
  let acked = 0;
  const loop = (async () => {
    let ack: Promise<unknown> = Promise.resolve();
    while (!stopping) {
      const [, reply] = await Promise.all([
        ack,
        redis.xreadgroup(
          'GROUP',
          GROUP,
          'bench-raw',
          'COUNT',
          BATCH,
          'BLOCK',
          500,
          'STREAMS',
          STREAM,
          '>',
        ) as Promise<ReadReply>,
      ]);
      ack = Promise.resolve();
      if (!reply) {
        continue;
      }
      const ids: string[] = [];
      for (const [id, fields] of reply[0][1]) {
        onEvent(JSON.parse(fields[1]) as unknown);
        ids.push(id);
      }
      acked += ids.length;
      ack = redis.xack(STREAM, GROUP, ...ids);
    }
    await ack;
  })();
  return {
    async verify() {
      const pending = await pollUntilZero(async () =>
        Number(((await redis.xpending(STREAM, GROUP)) as [number])[0]),
      );
      return { pending, ok: pending === 0, detail: `XPENDING ${pending}` };
    },
    extra: () => ({ acked }),
    async close() {
      stopping = true;
      await loop;
      await redis.quit();
    },
  };
}

async function producer(target: CaseTarget): Promise<BenchProducer> {
  const redis = connection(target);
  await redis.connect();
  const xadd = (payload: BenchPayload): Promise<string | null> =>
    redis.xadd(STREAM, '*', 'data', JSON.stringify(payload));
  return {
    async burst(count, make) {
      for (let start = 0; start < count; start += BATCH) {
        const pipeline = redis.pipeline();
        for (let n = start; n < Math.min(count, start + BATCH); n++) {
          pipeline.xadd(STREAM, '*', 'data', JSON.stringify(make(n)));
        }
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed) {
          throw failed[0] as Error;
        }
      }
    },
    one: xadd,
    async close() {
      await redis.quit();
    },
  };
}

export const rawIoredisCase: BenchCase = {
  id: 'B',
  consumer,
  producer,
};
