import { Controller, INestMicroservice, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  RedisStreamsContext,
  RedisStreamsExceptionFilter,
  RedisStreamsServerOptions,
  ServerRedisStreams,
  StreamKeys,
} from '@app/redis-streams';
import { redisFromUrl } from '@app/redis-streams/redis/redis-url';

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

/** How {@link startConsumer} sets up the app. */
export interface StartConsumerSetup {
  /** Register RedisStreamsExceptionFilter globally (default true); false tests an app without it. */
  exceptionFilter?: boolean;
}

/** Starts a Nest microservice with the given controllers on a new ServerRedisStreams. */
export async function startConsumer(
  controllers: Type[],
  options: RedisStreamsServerOptions,
  setup: StartConsumerSetup = {},
): Promise<TestConsumer> {
  @Module({ controllers })
  class TestConsumerModule {}
  const server = new ServerRedisStreams({ blockMs: 200, ...options });
  const app = await NestFactory.createMicroservice(TestConsumerModule, {
    strategy: server,
    logger: process.env.TEST_LOGS ? ['log', 'warn', 'error'] : false,
  });
  if (setup.exceptionFilter !== false) {
    app.useGlobalFilters(new RedisStreamsExceptionFilter());
  }
  await app.listen();
  const close = async (): Promise<void> => {
    const streams = server.streams;
    const { group, url, redis: redisOptions } = server.options;
    await app.close();
    // The transport creates each group's retry lane (and, while retrying, its schedule and promoter lease).
    const redis = redisFromUrl(url, redisOptions ?? {});
    const keys = streams.flatMap((stream) => [
      StreamKeys.retryLane(stream, group),
      StreamKeys.retrySchedule(stream, group),
      StreamKeys.promoterLease(stream, group),
    ]);
    // One DEL per key: on a Cluster the keys of different streams live in different slots.
    await Promise.all(keys.map((key) => redis.del(key).catch(() => 0)));
    redis.disconnect();
  };
  return { app, server, close };
}
