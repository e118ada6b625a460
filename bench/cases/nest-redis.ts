/**
 * E — Nest's built-in `Transport.REDIS` (pub/sub, at-most-once). Producer: a plain Nest application context with
 * `ClientsModule` (`Transport.REDIS`), `emit` 1000 at a time, awaited together. Consumer: a Nest microservice with
 * `Transport.REDIS` and a no-op `@EventPattern` handler; it reports ready only once Redis counts its subscription
 * (`PUBSUB NUMSUB`), so no event is published before anyone listens.
 */
import { INestApplicationContext, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientProxy, ClientsModule, Transport } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import type { BenchPayload } from '../support/payload';
import { nestProducer, sinkModule } from './nest-app';
import { BenchCase, BenchConsumer, BenchProducer, CaseTarget, STREAM } from './case';

const CLIENT = 'NEST_REDIS_CLIENT';
const CHUNK = 1000;

async function consumer(target: CaseTarget, onEvent: (payload: unknown) => void): Promise<BenchConsumer> {
  const app: INestMicroservice = await NestFactory.createMicroservice(sinkModule(onEvent), {
    transport: Transport.REDIS,
    options: { host: target.host, port: target.port },
    logger: ['error', 'warn'],
  });
  await app.listen();
  const admin = new Redis({ host: target.host, port: target.port });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [, subscribers] = (await admin.pubsub('NUMSUB', STREAM)) as [string, number];
    if (Number(subscribers) >= 1) {
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(`no subscriber on channel ${STREAM} 10 s after listen()`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await admin.quit();
  return {
    verify: () => Promise.resolve({ pending: null, ok: true, detail: 'pub/sub: nothing to acknowledge' }),
    async close() {
      await app.close();
    },
  };
}

async function producer(target: CaseTarget): Promise<BenchProducer> {
  @Module({
    imports: [
      ClientsModule.register([
        { name: CLIENT, transport: Transport.REDIS, options: { host: target.host, port: target.port } },
      ]),
    ],
  })
  class NestRedisProducerModule {}

  const app: INestApplicationContext = await NestFactory.createApplicationContext(NestRedisProducerModule, {
    logger: ['error', 'warn'],
  });
  const client = app.get<ClientProxy>(CLIENT);
  await client.connect();
  return nestProducer(app, (payload: BenchPayload) => lastValueFrom(client.emit(STREAM, payload)), CHUNK);
}

export const nestRedisCase: BenchCase = {
  id: 'E',
  consumer,
  producer,
};
