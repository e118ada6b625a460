/**
 * A Nest 12 app (ESM) against the packed `nest-redis-streams` (CommonJS), run by test/nest12/run.ts in a temp
 * directory outside the repo: compiled there by its own TypeScript against Nest 12's types, never by the repo's
 * tsc (which sees Nest 11). It imports the library by its package name only, runs the checks named by
 * NEST12_ONLY (`esm`, `emit`, `send`; all when unset), prints one `PASS <check>` or `FAIL <check>: <why>` line
 * per check, and exits 1 when any failed.
 */
import 'reflect-metadata';
import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, timeout } from 'rxjs';
import {
  ClientRedisStreams,
  RedisStreamsContext,
  RedisStreamsModule,
  ServerRedisStreams,
  deliveryPolicy,
} from 'nest-redis-streams';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

const url = requiredEnv('NEST12_REDIS_URL');
const eventPattern = requiredEnv('NEST12_EVENT_PATTERN');
const requestPattern = requiredEnv('NEST12_REQUEST_PATTERN');
const group = requiredEnv('NEST12_GROUP');
const waitMs = Number(requiredEnv('NEST12_WAIT_MS'));
const only = process.env.NEST12_ONLY ?? '';
const runs = (check: string): boolean => only === '' || only.split(',').includes(check);

interface OrderPlaced {
  orderId: string;
  items: string[];
  total: number;
}

interface AddRequest {
  a: number;
  b: number;
  nonce: string;
}

interface AddReply {
  sum: number;
  nonce: string;
}

interface Handled {
  payload: unknown;
  entryId: string;
  stream: string;
}

const handledEvents: Handled[] = [];
const answeredRequests: AddRequest[] = [];

@Controller()
class EventsController {
  // Nest 12 infers an event map from a bare `@EventPattern(name)` and then types the payload `{}`: `<string>`
  // keeps a typed `@Payload()` compiling on both 11 and 12. The policy rides in Nest's handler extras.
  @EventPattern<string>(eventPattern, deliveryPolicy({ maxDeliveries: 3 }))
  onOrderPlaced(@Payload() order: OrderPlaced, @Ctx() ctx: RedisStreamsContext): void {
    handledEvents.push({ payload: order, entryId: ctx.getEntryId(), stream: ctx.getStream() });
  }
}

@Controller()
class RequestsController {
  @MessagePattern(requestPattern)
  add(@Payload() request: AddRequest): AddReply {
    answeredRequests.push(request);
    return { sum: request.a + request.b, nonce: request.nonce };
  }
}

/** Reaches the client by constructor injection, as an app would (the module provides it). */
@Injectable()
class Orders {
  constructor(readonly client: ClientRedisStreams) {}
}

@Module({
  imports: [RedisStreamsModule.forRoot({ url })],
  controllers: [EventsController, RequestsController],
  providers: [Orders],
})
class Nest12AppModule {}

async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!probe()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${waitMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every named export the CommonJS entry points have is a named export of the ESM import (cjs-module-lexer). */
async function checkEsmNamedExports(): Promise<string> {
  const require = createRequire(import.meta.url);
  const counts: string[] = [];
  for (const specifier of ['nest-redis-streams', 'nest-redis-streams/admin', 'nest-redis-streams/metrics']) {
    const namespace = (await import(specifier)) as Record<string, unknown>;
    const exported = Object.keys(require(specifier) as Record<string, unknown>).filter(
      (name) => name !== '__esModule',
    );
    const missing = exported.filter((name) => !(name in namespace));
    if (exported.length === 0 || missing.length > 0) {
      throw new Error(
        `${specifier}: not importable by name from ESM: ${missing.join(', ') || '(no exports)'}`,
      );
    }
    counts.push(`${specifier} ${exported.length}`);
  }
  return counts.join(', ');
}

async function checkEmit(client: ClientRedisStreams): Promise<string> {
  const payload: OrderPlaced = { orderId: `o-${process.pid}`, items: ['a', 'b'], total: 42.5 };
  const entryId = await lastValueFrom(client.emit<string, OrderPlaced>(eventPattern, payload));
  await until(() => handledEvents.length > 0, `the @EventPattern handler of ${eventPattern}`);
  deepStrictEqual(handledEvents, [{ payload, entryId, stream: eventPattern }]);
  return `entry ${entryId} handled once with its payload and @Ctx() entry id`;
}

async function checkSend(client: ClientRedisStreams): Promise<string> {
  const request: AddRequest = { a: 2, b: 40, nonce: `n-${process.pid}-${Date.now()}` };
  const reply = await firstValueFrom(
    client.send<AddReply, AddRequest>(requestPattern, request).pipe(timeout({ first: waitMs })),
  );
  deepStrictEqual(reply, { sum: 42, nonce: request.nonce });
  strictEqual(answeredRequests.length, 1, 'the @MessagePattern handler ran once');
  return `reply ${JSON.stringify(reply)}`;
}

async function main(): Promise<boolean> {
  let ok = true;
  const check = async (name: string, body: () => Promise<string>): Promise<void> => {
    try {
      console.log(`PASS ${name}: ${await body()}`);
    } catch (error) {
      ok = false;
      console.log(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  if (runs('esm')) {
    await check('esm named imports', checkEsmNamedExports);
  }
  const app = await NestFactory.createMicroservice(Nest12AppModule, {
    strategy: new ServerRedisStreams({ url, group }),
    logger: ['error', 'warn'],
  });
  await app.listen();
  const client = app.get(Orders).client;
  try {
    if (runs('emit')) {
      await check('emit → handle', () => checkEmit(client));
    }
    if (runs('send')) {
      await check('send → reply', () => checkSend(client));
    }
  } finally {
    await client.close();
    await app.close();
  }
  return ok;
}

main().then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
