import { Redis } from 'ioredis';
import { RpcException } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys, UnrecoverableEventError } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/** The dead-letter records of `stream` as field maps. */
async function deadLetterRecords(redis: Redis, stream: string): Promise<Array<Record<string, string>>> {
  const entries = await redis.xrange(StreamKeys.deadLetter(stream), '-', '+');
  return entries.map(([, flat]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) {
      record[flat[i]] = flat[i + 1];
    }
    return record;
  });
}

// Nest's default RPC filter rejects with an RpcException's payload (a plain object or an array), not the exception:
// permanent failures must be recognised from it as well as from the exception RedisStreamsExceptionFilter records.
describe.each([
  ['without RedisStreamsExceptionFilter', false],
  ['with RedisStreamsExceptionFilter', true],
])('permanent failures, app %s', (_label, exceptionFilter) => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  let consumer: TestConsumer | undefined;
  let stream: string;

  beforeEach(() => {
    stream = uniqueName('nofilter');
  });
  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await redis.del(stream, StreamKeys.deadLetter(stream));
  });
  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  async function runFailing(
    fail: () => never,
  ): Promise<{ deliveries: number; record: Record<string, string> }> {
    let deliveries = 0;
    consumer = await startConsumer(
      [
        eventController(stream, () => {
          deliveries++;
          fail();
        }),
      ],
      {
        group: 'g',
        delivery: { maxDeliveries: 3, backoff: { type: 'fixed', baseMs: 10, jitter: 'none' } },
        retryPollMs: 20,
      },
      { exceptionFilter },
    );
    await lastValueFrom(client.emit(stream, { orderId: 'o-1' }));
    const [record] = await waitFor(async () => {
      const records = await deadLetterRecords(redis, stream);
      return records.length > 0 ? records : undefined;
    }, 'the event dead-lettered');
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    expect(await redis.zcard(StreamKeys.retrySchedule(stream, 'g'))).toBe(0);
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(1);
    return { deliveries, record };
  }

  it('UnrecoverableEventError is dead-lettered on the first delivery with its class and message', async () => {
    const { deliveries, record } = await runFailing(() => {
      throw new UnrecoverableEventError('bad order');
    });
    expect(record).toMatchObject({
      dlq_reason: 'unrecoverable',
      dlq_error_class: 'UnrecoverableEventError',
      dlq_error_message: 'bad order',
      dlq_attempts: '1',
    });
    expect(deliveries).toBe(1);
    expect(consumer?.server.getStats()).toMatchObject({ deadLettered: 1, retried: 0 });
  });

  it('an RpcException of validation errors is dead-lettered on the first delivery as validation', async () => {
    const { deliveries, record } = await runFailing(() => {
      throw new RpcException([
        {
          property: 'email',
          value: 'secret@example.com',
          constraints: { isEmail: 'email must be an email' },
        },
        { property: 'address', children: [{ property: 'zip', constraints: { isPostalCode: 'zip is bad' } }] },
      ]);
    });
    expect(record).toMatchObject({
      dlq_reason: 'validation',
      dlq_attempts: '1',
      dlq_constraints: 'email.isEmail,address.zip.isPostalCode',
    });
    expect(deliveries).toBe(1);
    expect(JSON.stringify(record)).not.toContain('secret@example.com');
  });
});
