/**
 * P — this project. Producer: a plain Nest application context with `RedisStreamsModule.forRoot`, events sent with
 * `ClientRedisStreams.emit` (auto-pipelined; the burst issues 1000 emits at a time and awaits them). Consumer: a
 * Nest microservice with `ServerRedisStreams` at default options (auto-ack, retries and DLQ on) and a no-op
 * `@EventPattern` handler.
 */
import { INestApplicationContext, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  ENVELOPE_FIELDS,
  RedisStreamsModule,
  ServerRedisStreams,
} from '@app/redis-streams';
import { randomUUID } from 'node:crypto';
import { BenchPayload } from '../support/payload';
import { nestProducer, sinkModule } from './nest-app';
import { BenchCase, BenchConsumer, BenchProducer, CaseTarget, GROUP, STREAM, pollUntilZero } from './case';

const CHUNK = 1000;

async function consumer(target: CaseTarget, onEvent: (payload: unknown) => void): Promise<BenchConsumer> {
  const server = new ServerRedisStreams({ group: GROUP, url: `redis://${target.host}:${target.port}` });
  const app: INestMicroservice = await NestFactory.createMicroservice(sinkModule(onEvent), {
    strategy: server,
    logger: ['error', 'warn'],
  });
  await app.listen();
  const admin = new Redis({ host: target.host, port: target.port });
  return {
    async verify() {
      const pending = await pollUntilZero(async () =>
        Number(((await admin.xpending(STREAM, GROUP)) as [number])[0]),
      );
      const stats = server.getStats();
      const clean =
        stats.failed === 0 && stats.deadLettered === 0 && stats.retried === 0 && stats.rejected === 0;
      return {
        pending,
        ok: pending === 0 && clean,
        detail: `XPENDING ${pending}; handled ${stats.handled}, acked ${stats.acked}, failed ${stats.failed}, dead-lettered ${stats.deadLettered}`,
      };
    },
    extra: () => ({ stats: server.getStats() }),
    async close() {
      await app.close();
      await admin.quit();
    },
  };
}

async function producer(target: CaseTarget): Promise<BenchProducer> {
  @Module({ imports: [RedisStreamsModule.forRoot({ url: `redis://${target.host}:${target.port}` })] })
  class ProjectProducerModule {}

  const app: INestApplicationContext = await NestFactory.createApplicationContext(ProjectProducerModule, {
    logger: ['error', 'warn'],
  });
  const client = app.get(ClientRedisStreams);
  await client.connect();
  return nestProducer(app, (payload: BenchPayload) => lastValueFrom(client.emit(STREAM, payload)), CHUNK);
}

/**
 * Backlog scenario: writes `count` entries in the envelope `ClientRedisStreams` writes (type, data, event_id,
 * timestamp), pipelined 1000 at a time, 4 pipelines in flight.
 */
export async function prefill(redis: Redis, count: number, make: (n: number) => BenchPayload): Promise<void> {
  const chunk = 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      const end = Math.min(count, start + chunk);
      next = end;
      const pipeline = redis.pipeline();
      const timestamp = new Date().toISOString();
      for (let n = start; n < end; n++) {
        pipeline.xadd(
          STREAM,
          '*',
          ENVELOPE_FIELDS.type,
          STREAM,
          ENVELOPE_FIELDS.data,
          JSON.stringify(make(n)),
          ENVELOPE_FIELDS.eventId,
          randomUUID(),
          ENVELOPE_FIELDS.timestamp,
          timestamp,
        );
      }
      const failed = ((await pipeline.exec()) ?? []).find(([error]) => error);
      if (failed) {
        throw failed[0] as Error;
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

export const projectCase: BenchCase = {
  id: 'P',
  consumer,
  producer,
};
