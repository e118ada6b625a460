import { StreamKeys } from '@app/redis-streams';
import { redriveDeadLetters } from '@app/redis-streams/admin/dead-letter-actions';
import { RedisScripts } from '../../libs/redis-streams/src/lua/scripts';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

/** Field map of an entry. */
function fieldsOf(raw: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    fields[raw[i]] = raw[i + 1];
  }
  return fields;
}

const pendingCount = async (redis: { xpending(key: string, group: string): Promise<unknown> }, key: string) =>
  ((await redis.xpending(key, 'g')) as [number])[0];

describe('entries and retries larger than Lua can unpack', () => {
  const { redis, consumers, track, emit } = useStreamFixture();

  it('an entry with 5000 extra fields is dead-lettered once (too-many-fields), truncated and marked; nothing stays pending', async () => {
    const stream = uniqueName('many-fields');
    track(stream, ['g']);
    const seen: unknown[] = [];
    consumers.push(
      await startConsumer([eventController(stream, (data) => void seen.push(data))], {
        group: 'g',
        startId: '0',
        // A failed dead-letter step leaves the entry pending: it would come back here every 100 ms.
        minIdleMs: 300,
        reclaimIntervalMs: 100,
      }),
    );
    const extra = Array.from({ length: 5000 }, (_, i) => [`f${i}`, `v${i}`]).flat();
    const bad = (await redis.xadd(stream, '*', 'type', stream, 'data', 'not json', ...extra)) as string;
    const valid = (await redis.xadd(stream, '*', 'type', stream, 'data', '{"ok":true}')) as string;

    await waitFor(() => seen.length === 1, 'the valid entry after the bad one handled');
    expect(seen).toEqual([{ ok: true }]);
    const dlq = StreamKeys.deadLetter(stream);
    await waitFor(async () => (await redis.xlen(dlq)) === 1, 'the bad entry dead-lettered', 10_000);
    await waitFor(async () => (await pendingCount(redis, stream)) === 0, 'nothing pending');

    const records = await redis.xrange(dlq, '-', '+');
    expect(records).toHaveLength(1);
    const [, raw] = records[0];
    const record = fieldsOf(raw);
    expect(record).toMatchObject({
      dlq_original_id: bad,
      dlq_reason: 'too-many-fields',
      dlq_truncated: 'true',
      dlq_group: 'g',
      type: stream,
      data: 'not json',
    });
    // The default maxFields (1000 pairs) copied, in order; the rest left out.
    const original = raw.filter((_, i) => i % 2 === 0 && !raw[i].startsWith('dlq_'));
    expect(original).toHaveLength(1000);
    expect(original.slice(-1)).toEqual(['f997']);
    expect(record.f997).toBe('v997');
    expect(consumers[0].server.getStats()).toMatchObject({ deadLettered: 1, handled: 1 });
    expect(valid).toMatch(/^\d+-\d+$/);
  });

  it("hostile members in one stream's retry schedule are dead-lettered as unpromotable; the group's other stream still gets its retries", async () => {
    const first = uniqueName('hostile-schedule');
    const second = uniqueName('healthy-schedule');
    track(first, ['g']);
    track(second, ['g']);
    const schedule = StreamKeys.retrySchedule(first, 'g');
    const huge = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => `s${i}`));
    const notJson = 'this is not JSON {';
    // Due at once (score 0), there before the consumer starts: the promoter meets them on its first pass.
    await redis.zadd(schedule, 0, huge, 0, notJson);

    const deliveries: number[] = [];
    consumers.push(
      await startConsumer(
        [
          // Registered first: the promoter visits this stream before the healthy one.
          eventController(first, () => undefined),
          eventController(second, (_data, ctx) => {
            deliveries.push(ctx.getDeliveryCount());
            if (deliveries.length === 1) {
              throw new Error('flaky downstream');
            }
          }),
        ],
        {
          group: 'g',
          retryPollMs: 10,
          delivery: { maxDeliveries: 5, backoff: { baseMs: 20, jitter: 'none' } },
        },
      ),
    );
    await emit(second, { n: 1 });

    await waitFor(() => deliveries.length === 2, 'the retry on the healthy stream delivered', 10_000);
    expect(deliveries).toEqual([1, 2]);
    await waitFor(() => consumers[0].server.getStats().handled === 1, 'the retry handled');
    await waitFor(
      async () => (await redis.zcard(schedule)) === 0,
      'the hostile members gone from the schedule',
    );
    const dlq = StreamKeys.deadLetter(first);
    await waitFor(async () => (await redis.xlen(dlq)) === 2, 'both hostile members dead-lettered');
    const records = (await redis.xrange(dlq, '-', '+')).map(([, raw]) => fieldsOf(raw));
    for (const record of records) {
      expect(record).toMatchObject({ dlq_reason: 'unpromotable', dlq_group: 'g', dlq_stream: first });
      expect(record.dlq_error_message).toMatch(/^retry not promotable: /);
    }
    const byMember = new Map(records.map((record) => [record.dlq_member.slice(0, 8), record]));
    const hugeRecord = byMember.get(huge.slice(0, 8));
    const notJsonRecord = byMember.get(notJson.slice(0, 8));
    // The 20 000-value list is copied cut (and marked); the short one whole.
    expect(hugeRecord?.dlq_truncated).toBe('true');
    expect(huge.startsWith(hugeRecord?.dlq_member ?? 'missing')).toBe(true);
    expect(Buffer.byteLength(hugeRecord?.dlq_member ?? '')).toBeLessThanOrEqual(64 * 1024);
    expect(hugeRecord?.dlq_error_message).toContain('20000 values');
    expect(notJsonRecord?.dlq_member).toBe(notJson);
    expect(notJsonRecord?.dlq_truncated).toBeUndefined();
    expect(await redis.xlen(StreamKeys.retryLane(first, 'g'))).toBe(0);
    expect(await redis.exists(StreamKeys.deadLetter(second))).toBe(0);
    // An unpromotable record holds no original fields: a redrive refuses it instead of sending an empty event.
    const redrive = await redriveDeadLetters(redis, first, { all: true, ratePerSecond: 0 });
    expect(redrive.redriven).toEqual([]);
    expect(redrive.skipped.map(({ why }) => why).sort()).toEqual(['truncated payload', 'unpromotable']);
    expect(await redis.xlen(dlq)).toBe(2);
    await waitFor(
      async () => (await pendingCount(redis, second)) === 0,
      'nothing pending on the healthy stream',
    );
  });

  it('the Lua steps check sizes and shapes instead of failing half-way', async () => {
    const stream = uniqueName('lua-shapes');
    track(stream, ['g']);
    const scripts = new RedisScripts(redis);
    const schedule = StreamKeys.retrySchedule(stream, 'g');
    const lane = StreamKeys.retryLane(stream, 'g');
    const dlq = StreamKeys.deadLetter(stream);

    // dead-letter: a record over what Lua can unpack is refused with a reason; the entry stays pending.
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    const id = (await redis.xadd(stream, '*', 'type', 'x', 'data', '{}')) as string;
    await redis.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', stream, '>');
    const tooMany = Array.from({ length: 4000 }, (_, i) => [`f${i}`, 'v']).flat();
    await expect(scripts.deadLetter(stream, dlq, 'g', 'c1', id, false, tooMany)).rejects.toThrow(
      /more than 7900/,
    );
    expect(await pendingCount(redis, stream)).toBe(1);
    expect(await redis.exists(dlq)).toBe(0);

    // promote-retries: each bad member is dead-lettered on its own; the good ones around it are moved.
    await redis.zadd(
      schedule,
      0,
      '["type","a"]',
      1,
      '["type",1]',
      2,
      '["odd"]',
      3,
      '{"type":"x"}',
      4,
      '["type","b"]',
    );
    const result = await scripts.promoteRetries(
      stream,
      StreamKeys.deadLetter(stream),
      'g',
      'c1',
      5000,
      100,
      1024,
    );
    expect(result).toMatchObject({ moved: 2, deadLettered: 3, nextDueMs: -1 });
    expect((await redis.xrange(lane, '-', '+')).map(([, fields]) => fields)).toEqual([
      ['type', 'a'],
      ['type', 'b'],
    ]);
    const records = (await redis.xrange(dlq, '-', '+')).map(([, raw]) => fieldsOf(raw));
    expect(records.map((r) => [r.dlq_member, r.dlq_reason, r.dlq_error_message])).toEqual([
      ['["type",1]', 'unpromotable', 'retry not promotable: value 2 is not a string'],
      ['["odd"]', 'unpromotable', 'retry not promotable: not a list of name/value pairs'],
      ['{"type":"x"}', 'unpromotable', 'retry not promotable: not a list of name/value pairs'],
    ]);
    expect(await redis.zcard(schedule)).toBe(0);

    // A lane that is not a stream is not the members' fault: refused whole, nothing dead-lettered.
    await redis.del(lane);
    await redis.set(lane, 'not a stream');
    await redis.zadd(schedule, 0, '["type","c"]');
    await expect(
      scripts.promoteRetries(stream, StreamKeys.deadLetter(stream), 'g', 'c1', 5000, 100, 1024),
    ).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.zcard(schedule)).toBe(1);
    expect(await redis.xlen(dlq)).toBe(3);
  });
});
