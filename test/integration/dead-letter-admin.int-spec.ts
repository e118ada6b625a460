import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  RedisStreamsRecord,
  StreamKeys,
  UnrecoverableEventError,
} from '@app/redis-streams';
import { getDeadLetter, listDeadLetters } from '@app/redis-streams/admin/dead-letters';
import { purgeDeadLetters, redriveDeadLetters } from '@app/redis-streams/admin/dead-letter-actions';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/**
 * Two groups read one stream. Group `picky` dead-letters events while `failing` holds; group `easy` handles them.
 * A redrive must reach `picky` alone (through its own retry lane) and keep the event id.
 */
describe('dead-letter admin: list, show, redrive to the original group only, purge', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  const stream = uniqueName('dlq-admin');
  const seen = { picky: new Map<string, number>(), easy: new Map<string, number>() };
  const eventIds = { picky: [] as string[], easy: [] as string[] };
  let failing = true;
  const consumers: TestConsumer[] = [];

  const count = (group: 'picky' | 'easy', n: number): number => seen[group].get(String(n)) ?? 0;

  beforeAll(async () => {
    for (const group of ['picky', 'easy'] as const) {
      consumers.push(
        await startConsumer(
          [
            eventController(stream, (data, ctx) => {
              const n = String((data as { n: number }).n);
              seen[group].set(n, (seen[group].get(n) ?? 0) + 1);
              eventIds[group].push(ctx.getEventId() ?? '');
              if (group === 'picky' && failing) {
                throw new UnrecoverableEventError(`refusing ${n}`);
              }
            }),
          ],
          { group, startId: '0' },
        ),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(consumers.map((consumer) => consumer.close()));
    await redis.del(stream, StreamKeys.deadLetter(stream), StreamKeys.deadLetterLog(stream));
    await client.close();
    redis.disconnect();
  });

  it('lists and shows the records of the failing group, redrives by id and by filter, purges only with confirm', async () => {
    for (let n = 1; n <= 4; n++) {
      await lastValueFrom(client.emit(stream, new RedisStreamsRecord({ n }, { eventId: `evt-${n}` })));
    }
    await waitFor(async () => (await redis.xlen(StreamKeys.deadLetter(stream))) === 4, '4 dead letters');
    await waitFor(() => [1, 2, 3, 4].every((n) => count('easy', n) === 1), 'easy handled all 4');

    const records = await listDeadLetters(redis, stream);
    expect(records.map((record) => record.group)).toEqual(['picky', 'picky', 'picky', 'picky']);
    expect(records.map((record) => record.eventId)).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-4']);
    expect(records[0]).toMatchObject({ stream, reason: 'unrecoverable', attempts: 1, pattern: stream });
    expect(await listDeadLetters(redis, stream, { group: 'easy' })).toEqual([]);
    expect(await listDeadLetters(redis, stream, { reason: 'unrecoverable', limit: 2 })).toHaveLength(2);
    expect(await listDeadLetters(redis, stream, { until: records[0].deadLetteredAt - 1 })).toEqual([]);
    const shown = await getDeadLetter(redis, stream, records[0].id);
    expect(shown?.errorMessage).toBe('refusing 1');
    expect(shown?.fields.event_id).toBe('evt-1');

    failing = false;
    const dry = await redriveDeadLetters(redis, stream, { ids: [records[0].id], dryRun: true });
    expect(dry.redriven).toEqual([
      { deadLetterId: records[0].id, group: 'picky', originalId: records[0].originalId },
    ]);
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(4);

    const byId = await redriveDeadLetters(redis, stream, { ids: [records[0].id], by: 'test' });
    expect(byId.redriven).toHaveLength(1);
    await waitFor(() => count('picky', 1) === 2, 'picky handled event 1 again');
    expect(eventIds.picky.at(-1)).toBe('evt-1');

    const byFilter = await redriveDeadLetters(redis, stream, { group: 'picky', reason: 'unrecoverable' });
    expect(byFilter.redriven.map((item) => item.originalId)).toEqual(
      records.slice(1).map((r) => r.originalId),
    );
    await waitFor(() => [2, 3, 4].every((n) => count('picky', n) === 2), 'picky handled 2, 3, 4 again');
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0);
    // The other group never saw any redriven event again.
    expect([1, 2, 3, 4].map((n) => count('easy', n))).toEqual([1, 1, 1, 1]);

    const log = await redis.xrange(StreamKeys.deadLetterLog(stream), '-', '+');
    expect(log).toHaveLength(4);
    expect(Object.fromEntries(chunk(log[0][1]))).toMatchObject({
      action: 'redrive',
      dlq_id: records[0].id,
      group: 'picky',
      original_id: records[0].originalId,
      by: 'test',
    });
    // getStats() is a snapshot: read it again on every poll.
    await waitFor(() => consumers[0].server.getStats().acked >= 4, 'redriven entries acknowledged');

    failing = true;
    await lastValueFrom(client.emit(stream, { n: 5 }));
    await waitFor(async () => (await redis.xlen(StreamKeys.deadLetter(stream))) === 1, 'a fifth dead letter');
    await expect(purgeDeadLetters(redis, stream, { all: true, confirm: false })).rejects.toThrow(/confirm/);
    await expect(redriveDeadLetters(redis, stream, {})).rejects.toThrow(/ids, a filter/);
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(1);
    expect((await purgeDeadLetters(redis, stream, { all: true, confirm: true })).purged).toBe(1);
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0);
  });
});

function chunk(flat: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    pairs.push([flat[i], flat[i + 1]]);
  }
  return pairs;
}
