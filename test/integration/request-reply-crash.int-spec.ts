import { Redis } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { ClientRedisStreams, RequestTimeoutError, StreamKeys } from '@app/redis-streams';
import { ChildConsumer, ChildConsumerEnv, spawnTsFixture } from '../support/child-consumer';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';

interface Answer {
  caller: number;
  seq: number;
  pid: number;
  entryId: string;
}

const CALLERS = 3;
const CALLS_PER_CALLER = 60;

/**
 * The contract of request-reply under a crash: three client instances call two consumers (real child processes); one
 * consumer is SIGKILLed while requests are in flight. Every call must end answered or timed out, each answer must be
 * the one its caller asked for, and no reply stream may be left once the clients close.
 */
describe('request-reply with 3 callers and 2 consumers, one SIGKILLed mid-flight', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const stream = uniqueName('rpc-crash');
  const group = uniqueName('rpc-crash-group');
  const recordKey = uniqueName('rpc-crash-record');
  const consumers: ChildConsumer[] = [];
  const clients: ClientRedisStreams[] = [];

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop('SIGKILL')));
    await Promise.all(clients.map((client) => client.close()));
    await redis.del(
      stream,
      StreamKeys.deadLetter(stream),
      StreamKeys.retryLane(stream, group),
      StreamKeys.retrySchedule(stream, group),
      StreamKeys.promoterLease(stream, group),
      `${recordKey}:started`,
    );
    redis.disconnect();
  });

  it('answers every call, to its own caller, or times it out; no reply stream is left', async () => {
    const env: ChildConsumerEnv = {
      REDIS_URL: process.env.REDIS_URL as string,
      PATTERN: stream,
      GROUP: group,
      RECORD_KEY: recordKey,
      REQUESTS: '1',
      HANDLER_MS: '60',
      CONCURRENCY: '8',
      BATCH: '8',
      MIN_IDLE_MS: '1000',
      RECLAIM_INTERVAL_MS: '200',
      CONSUMER_LEASE_MS: '1000',
    };
    consumers.push(...(await Promise.all([ChildConsumer.start(env), ChildConsumer.start(env)])));
    const [victim, survivor] = consumers;
    for (let i = 0; i < CALLERS; i++) {
      clients.push(new ClientRedisStreams({ requestTimeoutMs: 20_000 }));
    }
    const calls = clients.flatMap((client, caller) =>
      Array.from({ length: CALLS_PER_CALLER }, (_, seq) =>
        firstValueFrom(client.send<Answer>(stream, { caller, seq })).then(
          (answer) => ({ caller, seq, answer }),
          (error: unknown) => ({ caller, seq, error }),
        ),
      ),
    );
    // Kill one consumer once both have started some requests: it dies holding requests in flight.
    const victimPid = victim.process.pid as number;
    await waitFor(async () => {
      const started = await redis.lrange(`${recordKey}:started`, 0, -1);
      return started.filter((row) => row.startsWith(`${victimPid}|`)).length >= 10;
    }, 'the victim to start ten requests');
    await victim.stop('SIGKILL');
    const results = await Promise.all(calls);

    const answered = results.filter((result) => 'answer' in result);
    const timedOut = results.filter(
      (result) => 'error' in result && result.error instanceof RequestTimeoutError,
    );
    const otherErrors = results.filter(
      (result) => 'error' in result && !(result.error instanceof RequestTimeoutError),
    );
    expect(otherErrors).toEqual([]);
    expect(answered.length + timedOut.length).toBe(CALLERS * CALLS_PER_CALLER);
    // Each answer is the one its caller asked for (another caller's reply would carry another caller/seq).
    for (const result of answered) {
      expect(result.answer).toMatchObject({ caller: result.caller, seq: result.seq });
    }
    // The survivor took over what the victim held: reclaim (minIdleMs 1 s) answers well within the 20 s timeout.
    expect(timedOut).toEqual([]);
    const started = await redis.lrange(`${recordKey}:started`, 0, -1);
    const startedByVictim = new Set(
      started.filter((row) => row.startsWith(`${victimPid}|`)).map((row) => row.split('|')[1]),
    );
    const takenOver = answered.filter(
      (result) => startedByVictim.has(result.answer.entryId) && result.answer.pid !== victimPid,
    );
    expect(takenOver.length).toBeGreaterThan(0);
    expect(answered.some((result) => result.answer.pid === survivor.process.pid)).toBe(true);
    const stats = clients.map((client) => client.getRequestStats());
    for (const stat of stats) {
      expect(stat).toMatchObject({ sent: CALLS_PER_CALLER, answered: CALLS_PER_CALLER, waiting: 0 });
    }
    process.stdout.write(
      `request-reply crash: ${answered.length} answered, ${timedOut.length} timed out, ` +
        `${takenOver.length} taken over from the killed consumer, ` +
        `${stats.reduce((sum, stat) => sum + stat.unclaimedReplies, 0)} duplicate replies dropped\n`,
    );

    const replyStreams = clients.map((client) => client.replyStream);
    expect(await redis.exists(...replyStreams)).toBe(CALLERS);
    await Promise.all(clients.map((client) => client.close()));
    expect(await redis.exists(...replyStreams)).toBe(0);
  }, 90_000);

  it('a consumer process survives replies Redis refuses mid-stream (the request stays pending)', async () => {
    const ownStream = uniqueName('rpc-broken');
    const ownGroup = uniqueName('rpc-broken-group');
    const consumer = await ChildConsumer.start({
      REDIS_URL: process.env.REDIS_URL as string,
      PATTERN: ownStream,
      GROUP: ownGroup,
      RECORD_KEY: recordKey,
      REQUESTS: '1',
      MIN_IDLE_MS: '60000',
    });
    consumers.push(consumer);
    const broken = `nrs:reply:${uniqueName('wrongtype')}`;
    await redis.set(broken, 'not a stream'); // every reply XADD to it fails with WRONGTYPE
    try {
      const id = (await redis.xadd(
        ownStream,
        '*',
        'data',
        JSON.stringify({ caller: 9, seq: 0, values: 3 }),
        'headers',
        JSON.stringify({ reply_to: broken, correlation_id: 'c-broken' }),
      )) as string;
      await waitFor(
        async () => (await redis.lrange(`${recordKey}:streamed`, 0, -1)).includes(id),
        'the streaming handler to finish',
      );
      // Still alive and answering (an unawaited failed write would have crashed it: Node exits on those).
      const client = new ClientRedisStreams();
      clients.push(client);
      await expect(
        firstValueFrom(client.send<Answer>(ownStream, { caller: 9, seq: 1 })),
      ).resolves.toMatchObject({
        caller: 9,
        seq: 1,
        pid: consumer.process.pid,
      });
      expect(consumer.process.exitCode).toBeNull();
      const pending = (await redis.xpending(ownStream, ownGroup, '-', '+', 100)) as Array<[string]>;
      expect(pending.map(([entryId]) => entryId)).toContain(id); // not acknowledged without its answer
    } finally {
      await consumer.stop('SIGKILL');
      await redis.del(broken, `${recordKey}:streamed`, ownStream, StreamKeys.retryLane(ownStream, ownGroup));
    }
  }, 60_000);

  it('the reply stream of a caller that died expires by itself', async () => {
    const requester = spawnTsFixture(
      'test/fixtures/requester-process.ts',
      { REDIS_URL: process.env.REDIS_URL, PATTERN: stream, REPLY_TTL_MS: '1500' },
      ['ignore', 'pipe', 'inherit'],
    );
    let output = '';
    requester.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes('ANSWERED'), 'the requester to get its answer', 30_000);
      const replyStream = /REPLY_STREAM (\S+)/.exec(output)?.[1] as string;
      expect(StreamKeys.isReplyStream(replyStream)).toBe(true);
      expect(await redis.pttl(replyStream)).toBeGreaterThan(0);
      requester.kill('SIGKILL');
      await waitFor(
        async () => (await redis.exists(replyStream)) === 0,
        'the dead caller’s reply stream to expire',
      );
    } finally {
      requester.kill('SIGKILL');
    }
  }, 60_000);
});
