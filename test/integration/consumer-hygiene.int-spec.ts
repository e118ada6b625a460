import { Redis } from 'ioredis';
import { ConsumerNameInUseError, StreamKeys } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

describe('consumer hygiene', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let consumers: TestConsumer[] = [];
  let stream: string;

  afterEach(async () => {
    await Promise.all(consumers.map((consumer) => consumer.close()));
    consumers = [];
    await redis.del(stream, StreamKeys.retryLane(stream, 'g'));
  });
  afterAll(() => redis.disconnect());

  it('a second live process with the same consumer name is refused; the name is free again after close', async () => {
    stream = uniqueName('same-name');
    const handler = eventController(stream, () => undefined);
    const options = { group: 'g', consumer: 'pod-0', consumerLeaseMs: 300 };
    const first = await startConsumer([handler], options);
    await expect(startConsumer([handler], options)).rejects.toBeInstanceOf(ConsumerNameInUseError);
    await first.close();
    consumers.push(await startConsumer([handler], options));
    expect(consumers[0].server.options.consumer).toBe('pod-0');
  });

  it('idle consumers are deleted only when nothing is pending for them', async () => {
    stream = uniqueName('idle');
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    await redis.xgroup('CREATECONSUMER', stream, 'g', 'ghost'); // nothing pending
    await redis.xadd(stream, '*', 'type', stream, 'data', '{}');
    await redis.xreadgroup('GROUP', 'g', 'ghost-busy', 'COUNT', 1, 'STREAMS', stream, '>'); // holds 1
    const names = async (): Promise<string[]> =>
      ((await redis.xinfo('CONSUMERS', stream, 'g')) as unknown[][]).map((info) => String(info[1]));
    expect(await names()).toEqual(expect.arrayContaining(['ghost', 'ghost-busy']));

    consumers.push(
      await startConsumer([eventController(stream, () => undefined)], {
        group: 'g',
        minIdleMs: 600_000,
        deleteIdleConsumersAfterMs: 200,
      }),
    );
    await waitFor(async () => !(await names()).includes('ghost'), 'the empty idle consumer removed', 5000);
    expect(await names()).toContain('ghost-busy');
  });
});
