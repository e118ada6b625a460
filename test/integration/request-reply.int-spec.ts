import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { Redis } from 'ioredis';
import { Observable, finalize, firstValueFrom, lastValueFrom, of, take, timer, toArray } from 'rxjs';
import {
  ClientRedisStreams,
  RedisStreamsContext,
  RedisStreamsRecord,
  RequestTimeoutError,
  StreamKeys,
  deliveryPolicy,
} from '@app/redis-streams';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { uniqueName } from '../support/names';
import { TestConsumer, startConsumer } from '../support/nest';
import { simulateWork, waitFor } from '../support/wait';

/** What a call ended with: its values, or its error. */
async function outcome<T>(call: Observable<T>): Promise<{ values: T[] } | { error: unknown }> {
  try {
    return { values: await lastValueFrom(call.pipe(toArray())) };
  } catch (error) {
    return { error };
  }
}

describe('request-reply: client.send() → @MessagePattern → the caller', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const stream = uniqueName('rpc');
  const group = uniqueName('rpc-group');
  const calls: string[] = [];
  let failuresLeft = 0;
  let consumer: TestConsumer | undefined;
  let client: ClientRedisStreams;

  @Controller()
  class MathController {
    @MessagePattern(`${stream}.sum`)
    sum(@Payload() numbers: number[]): number {
      calls.push('sum');
      return numbers.reduce((a, b) => a + b, 0);
    }

    @MessagePattern(`${stream}.count`)
    count(@Payload() upTo: number): Observable<number> {
      return of(...Array.from({ length: upTo }, (_, i) => i + 1));
    }

    @MessagePattern(`${stream}.ticks`)
    ticks(): Observable<number> {
      return timer(0, 30).pipe(
        take(3),
        finalize(() => calls.push('ticks-done')),
      );
    }

    @MessagePattern(`${stream}.nothing`)
    nothing(): void {
      calls.push('nothing');
    }

    @MessagePattern(`${stream}.refuse`)
    refuse(@Payload() data: { why: string }): never {
      throw new RpcException({ status: 'error', message: data.why, code: 'E_REFUSED' });
    }

    @MessagePattern(`${stream}.crash`)
    crash(): never {
      throw new TypeError('database said no');
    }

    @MessagePattern(`${stream}.flaky`, deliveryPolicy({ backoff: { baseMs: 20, jitter: 'none' } }))
    flaky(@Payload() data: { n: number }, @Ctx() ctx: RedisStreamsContext): { n: number; delivery: number } {
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('transient');
      }
      return { n: data.n, delivery: ctx.getDeliveryCount() };
    }

    @MessagePattern(`${stream}.slow`)
    async slow(@Payload() data: { ms: number }): Promise<string> {
      calls.push('slow');
      await simulateWork(data.ms);
      return 'late';
    }
  }

  const routes = [{ stream, patterns: [`${stream}.*`] }];

  beforeAll(async () => {
    consumer = await startConsumer([MathController], { group, routes, minIdleMs: 1000 });
    client = new ClientRedisStreams({ routes, requestTimeoutMs: 5000 });
  });

  afterAll(async () => {
    await client.close();
    await consumer?.close();
    await redis.del(stream, StreamKeys.deadLetter(stream));
    redis.disconnect();
  });

  it('answers with the handler value, to this caller only, through the consumer group', async () => {
    await expect(firstValueFrom(client.send(`${stream}.sum`, [1, 2, 39]))).resolves.toBe(42);
    // The request is an ordinary entry of the stream, acknowledged by the group once answered.
    await waitFor(
      async () => ((await redis.xpending(stream, group)) as [number])[0] === 0,
      'the request to be acknowledged',
    );
    const entries = await redis.xrange(stream, '-', '+');
    expect(entries.length).toBeGreaterThan(0);
    const headers = JSON.parse(entries[entries.length - 1][1][9]) as Record<string, string>;
    expect(headers.reply_to).toBe(client.replyStream);
    expect(headers.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(headers.reply_deadline)).toBeGreaterThan(Date.now());
  });

  it('streams an Observable as several replies and a completion', async () => {
    await expect(outcome(client.send(`${stream}.count`, 4))).resolves.toEqual({ values: [1, 2, 3, 4] });
    await expect(outcome(client.send(`${stream}.count`, 0))).resolves.toEqual({ values: [] });
  });

  it('a handler that returns nothing answers one undefined value, as on Nest’s other transports', async () => {
    await expect(outcome(client.send(`${stream}.nothing`, {}))).resolves.toEqual({ values: [undefined] });
  });

  it('an RpcException reaches the caller as an RpcException with its error, at once (not retried)', async () => {
    const result = await outcome(client.send(`${stream}.refuse`, { why: 'out of stock' }));
    expect('error' in result).toBe(true);
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).message).toBe('out of stock');
    expect((error as RpcException).getError()).toEqual({
      status: 'error',
      message: 'out of stock',
      code: 'E_REFUSED',
    });
  });

  it('another error is retried while the deadline allows, then answered as an RpcException without a stack', async () => {
    const started = Date.now();
    const result = await outcome(
      client.send(`${stream}.crash`, new RedisStreamsRecord({}, { timeoutMs: 1500 })),
    );
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toEqual({
      status: 'error',
      message: 'database said no',
      name: 'TypeError',
    });
    // The default backoff's first retry (up to 1 s) fits 1.5 s at most once: answered before the deadline.
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0); // answered, not dead-lettered
  });

  it('a transient failure is retried in the group’s lane and the caller gets the later answer', async () => {
    failuresLeft = 2;
    await expect(firstValueFrom(client.send(`${stream}.flaky`, { n: 7 }))).resolves.toEqual({
      n: 7,
      delivery: 3,
    });
  });

  it('times out with RequestTimeoutError; the late reply is dropped and counted', async () => {
    const before = client.getRequestStats();
    const result = await outcome(
      client.send(`${stream}.slow`, new RedisStreamsRecord({ ms: 600 }, { timeoutMs: 200 })),
    );
    expect((result as { error: unknown }).error).toBeInstanceOf(RequestTimeoutError);
    await waitFor(
      () => client.getRequestStats().unclaimedReplies > before.unclaimedReplies,
      'the late reply to be dropped',
    );
    const after = client.getRequestStats();
    expect(after.timedOut).toBe(before.timedOut + 1);
    expect(after.waiting).toBe(0);
  });

  it('unsubscribing cancels the call: its reply is dropped and counted', async () => {
    const before = client.getRequestStats();
    const subscription = client
      .send(`${stream}.slow`, { ms: 300 })
      .subscribe({ next: () => undefined, error: () => undefined });
    await waitFor(() => client.getRequestStats().sent > before.sent, 'the request to be written');
    subscription.unsubscribe();
    expect(client.getRequestStats().cancelled).toBe(before.cancelled + 1);
    await waitFor(
      () => client.getRequestStats().unclaimedReplies > before.unclaimedReplies,
      'the reply of the cancelled call to be dropped',
    );
  });

  it('a request whose caller stopped waiting is acknowledged without running', async () => {
    await consumer?.close();
    consumer = undefined;
    calls.length = 0;
    const result = await outcome(
      client.send(`${stream}.sum`, new RedisStreamsRecord([1, 1], { timeoutMs: 100 })),
    );
    expect((result as { error: unknown }).error).toBeInstanceOf(RequestTimeoutError);
    consumer = await startConsumer([MathController], { group, routes, minIdleMs: 1000 });
    await waitFor(() => consumer?.server.getStats().requestsExpired === 1, 'the expired request');
    expect(calls).toEqual([]);
    const pending = (await redis.xpending(stream, group)) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('keeps its reply stream alive with a TTL and deletes it on close; operators do not see it as a stream', async () => {
    const other = new ClientRedisStreams({ routes, replyStreamTtlMs: 3000 });
    await firstValueFrom(other.send(`${stream}.sum`, [1]));
    const discovered = await new RedisStreamsAdmin(redis).streams();
    expect(discovered).toContain(stream);
    expect(discovered).not.toContain(other.replyStream);
    const ttl = await redis.pttl(other.replyStream);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3000);
    await other.close();
    expect(await redis.exists(other.replyStream)).toBe(0);
  });

  it('a reply Redis refuses mid-stream leaves the request pending (not acknowledged), and the server goes on', async () => {
    const broken = `nrs:reply:${uniqueName('wrongtype')}`;
    await redis.set(broken, 'not a stream'); // XADD to it fails with WRONGTYPE
    calls.length = 0;
    const id = await redis.xadd(
      stream,
      '*',
      'type',
      `${stream}.ticks`,
      'data',
      '{}',
      'headers',
      JSON.stringify({ reply_to: broken, correlation_id: 'c-broken' }),
    );
    await waitFor(() => calls.includes('ticks-done'), 'the streaming handler to finish');
    await waitFor(() => consumer?.server.getStats().inFlight === 0, 'the delivery to end');
    const pending = (await redis.xpending(stream, group, '-', '+', 10)) as Array<[string]>;
    expect(pending.map(([entryId]) => entryId)).toContain(id);
    await expect(firstValueFrom(client.send(`${stream}.sum`, [2, 3]))).resolves.toBe(5);
    await redis.del(broken); // its redelivery now finds no reply stream: dropped and acknowledged
    await waitFor(
      async () => ((await redis.xpending(stream, group)) as [number])[0] === 0,
      'the redelivered request to be acknowledged',
      20_000,
    );
  });

  it('answers only to reply streams: a request naming any other key gets nothing written there', async () => {
    const victim = uniqueName('victim');
    await redis.xadd(victim, '*', 'x', '1');
    const before = consumer?.server.getStats().repliesDropped ?? 0;
    calls.length = 0;
    await redis.xadd(
      stream,
      '*',
      'type',
      `${stream}.sum`,
      'data',
      '[1]',
      'headers',
      JSON.stringify({ reply_to: victim, correlation_id: 'c-1' }),
    );
    await waitFor(() => (consumer?.server.getStats().repliesDropped ?? 0) > before, 'the refused reply');
    expect(calls).toEqual(['sum']);
    expect(await redis.xlen(victim)).toBe(1);
    await redis.del(victim);
  });
});
