import { Controller, INestMicroservice, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  RedisStreamsContext,
  RedisStreamsExceptionFilter,
  RedisStreamsServerOptions,
  ServerRedisStreams,
} from '@app/redis-streams';

/** What a test handler is called with. */
export type TestHandler = (data: unknown, ctx: RedisStreamsContext) => unknown;

/** A controller with one `@EventPattern(pattern)` method that calls `handle`. */
export function eventController(pattern: string, handle: TestHandler): Type {
  @Controller()
  class TestEventController {
    @EventPattern(pattern)
    on(@Payload() data: unknown, @Ctx() ctx: RedisStreamsContext): unknown {
      return handle(data, ctx);
    }
  }
  return TestEventController;
}

/** A running Nest microservice on a ServerRedisStreams. */
export interface TestConsumer {
  app: INestMicroservice;
  server: ServerRedisStreams;
  close(): Promise<void>;
}

/** Starts a Nest microservice with the given controllers on a new ServerRedisStreams. */
export async function startConsumer(
  controllers: Type[],
  options: RedisStreamsServerOptions,
): Promise<TestConsumer> {
  @Module({ controllers })
  class TestConsumerModule {}
  const server = new ServerRedisStreams({ blockMs: 200, ...options });
  const app = await NestFactory.createMicroservice(TestConsumerModule, {
    strategy: server,
    logger: process.env.TEST_LOGS ? ['log', 'warn', 'error'] : false,
  });
  app.useGlobalFilters(new RedisStreamsExceptionFilter());
  await app.listen();
  return { app, server, close: () => app.close() };
}
