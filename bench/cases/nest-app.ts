import { Controller, INestApplicationContext, Module, Type } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { BenchPayload } from '../support/payload';
import { BenchProducer, STREAM, inChunks } from './case';

/**
 * The consumer module of the Nest cases (P and E): one controller whose no-op `@EventPattern(STREAM)` handler passes
 * each payload to `onEvent` (the tracker), through Nest's whole handler pipeline.
 */
export function sinkModule(onEvent: (payload: unknown) => void): Type {
  @Controller()
  class BenchSinkController {
    @EventPattern(STREAM)
    handle(@Payload() payload: unknown): void {
      onEvent(payload);
    }
  }

  @Module({ controllers: [BenchSinkController] })
  class BenchSinkModule {}
  return BenchSinkModule;
}

/** Emits awaited `chunk` at a time in a burst, one by one at the fixed rate; closing closes the producer's Nest app. */
export function nestProducer(
  app: INestApplicationContext,
  emit: (payload: BenchPayload) => Promise<unknown>,
  chunk: number,
): BenchProducer {
  return {
    burst: (count, make) => inChunks(count, chunk, (n) => emit(make(n))),
    one: emit,
    async close() {
      await app.close();
    },
  };
}
