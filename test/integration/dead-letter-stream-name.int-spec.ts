import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  RedisStreamsRecord,
  StreamKeys,
  UnrecoverableEventError,
} from '@app/redis-streams';
import { RedisStreamsAdmin, deadLetterStreamsOf, loadTopology } from '@app/redis-streams/admin';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/**
 * A route that names its dead-letter stream (`deadLetterStream`, the `<stream>:dead_letter` of seed 004's tools):
 * the consumer writes there and only there, and an admin told the same name lists, counts, redrives and purges
 * there; an admin not told about it sees nothing.
 */
describe('a route with its own dead-letter stream name', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const stream = uniqueName('named-dlq');
  const named = `${stream}:dead_letter`;
  const handled: number[] = [];
  let failing = true;
  let consumer: TestConsumer | undefined;

  beforeAll(async () => {
    consumer = await startConsumer(
      [
        eventController(stream, (data) => {
          const { n } = data as { n: number };
          if (failing) {
            throw new UnrecoverableEventError(`refusing ${n}`);
          }
          handled.push(n);
        }),
      ],
      { group: 'g', startId: '0', routes: [{ stream, patterns: [stream], deadLetterStream: named }] },
    );
  });

  afterAll(async () => {
    await consumer?.close();
    await redis.del(
      stream,
      named,
      StreamKeys.deadLetterLog(stream, named),
      StreamKeys.deadLetter(stream),
      StreamKeys.retryLane(stream, 'g'),
      StreamKeys.retrySchedule(stream, 'g'),
    );
    redis.disconnect();
  });

  it('dead-letters into the named stream; the admin given the name lists, counts, redrives and purges there', async () => {
    const client = new ClientRedisStreams();
    for (const n of [1, 2]) {
      await lastValueFrom(client.emit(stream, new RedisStreamsRecord({ n }, { eventId: `evt-${n}` })));
    }
    await client.close();
    await waitFor(async () => (await redis.xlen(named)) === 2, 'two records in the named dead-letter stream');
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);

    const unaware = new RedisStreamsAdmin(redis);
    expect(await unaware.listDeadLetters(stream)).toEqual([]);

    const admin = new RedisStreamsAdmin(redis, { deadLetterStreams: { [stream]: named } });
    const records = await admin.listDeadLetters(stream);
    expect(records.map((record) => [record.eventId, record.reason, record.stream])).toEqual([
      ['evt-1', 'unrecoverable', stream],
      ['evt-2', 'unrecoverable', stream],
    ]);
    expect((await admin.getDeadLetter(stream, records[0].id))?.errorMessage).toBe('refusing 1');
    const [snapshot] = await admin.inspect([stream]);
    expect(snapshot.deadLetters).toBe(2);
    expect(await admin.deadLetterSources()).toContain(stream);

    failing = false;
    const redriven = await admin.redrive(stream, { ids: [records[0].id], by: 'test' });
    expect(redriven.redriven.map((target) => target.deadLetterId)).toEqual([records[0].id]);
    await waitFor(() => handled.includes(1), 'the redriven event handled');
    expect(await redis.xlen(named)).toBe(1);
    expect(await redis.xlen(StreamKeys.deadLetterLog(stream, named))).toBe(1);

    await expect(admin.purge(stream, { all: true, confirm: true, by: 'test' })).resolves.toMatchObject({
      purged: 1,
    });
    expect(await redis.xlen(named)).toBe(0);
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
  });

  it('sends an unpromotable retry of the stream to the named dead-letter stream too', async () => {
    await redis.zadd(StreamKeys.retrySchedule(stream, 'g'), 0, 'this is not JSON {');
    await waitFor(
      async () => (await redis.xlen(named)) === 1,
      'the unpromotable member dead-lettered',
      10_000,
    );
    const [[, fields]] = await redis.xrange(named, '-', '+');
    expect(fields[fields.indexOf('dlq_reason') + 1]).toBe('unpromotable');
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
  });

  it("the seed-002 topology file names each stream's <stream>:dead_letter for the admin", async () => {
    const topology = await loadTopology('config/seed-002-streams.yaml');
    expect(topology.streams.map((entry) => [entry.name, entry.groups.map((group) => group.name)])).toEqual([
      ['email.received', ['email-processor']],
      ['document.processed', ['document-indexer']],
      ['pipeline.error', ['error-handler']],
      ['service.down', ['monitoring']],
      ['trust.level.changed', ['trust-manager']],
      ['action.corrected', ['feedback-loop']],
      ['action.validated', ['trust-manager']],
    ]);
    expect(deadLetterStreamsOf(topology)['email.received']).toBe('email.received:dead_letter');
    expect(Object.keys(deadLetterStreamsOf(topology))).toHaveLength(7);
  });
});
