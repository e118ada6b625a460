import { Controller, Module, Type } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { STREAM } from './case';

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
