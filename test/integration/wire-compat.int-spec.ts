import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { StreamKeys } from '@app/redis-streams';
import { getDeadLetter, listDeadLetters } from '@app/redis-streams/admin/dead-letters';
import { redriveDeadLetters } from '@app/redis-streams/admin/dead-letter-actions';
import { RedisScripts } from '../../libs/redis-streams/src/lua/scripts';
import { DELETE_IDLE_CONSUMER_LUA } from '../../libs/redis-streams/src/lua/delete-idle-consumer.lua';
import { RELEASE_CONSUMER_LEASE_LUA } from '../../libs/redis-streams/src/lua/release-consumer-lease.lua';
import { RENEW_CONSUMER_LEASE_LUA } from '../../libs/redis-streams/src/lua/renew-consumer-lease.lua';
import { ResolvedRoute } from '../../libs/redis-streams/src/options/routing-options';
import { encodeDeadLetter, decodeDeadLetter } from '../../libs/redis-streams/src/wire/dead-letter-record';
import { decodeEntry } from '../../libs/redis-streams/src/wire/entry-decoder';
import { encodeEnvelope } from '../../libs/redis-streams/src/wire/envelope';
import { encodeLaneFields, readLaneEntry } from '../../libs/redis-streams/src/wire/lane-fields';
import { decodeTailedEntry } from '../../libs/redis-streams/src/wire/lenient-decoder';
import { uniqueName } from '../support/names';

/**
 * Entries exactly as the previous version (0.1.0, before the wire folder) wrote them — spelled out literally here,
 * copied from its outcomes.ts, Lua steps and envelope codec — read by the wire functions of this one.
 */
describe('wire compatibility with entries written by the previous version (real Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const keys: string[] = [];
  afterEach(async () => {
    if (keys.length > 0) {
      await redis.del(...keys.splice(0));
    }
  });
  afterAll(() => redis.disconnect());

  const limits = { maxPayloadBytes: 1 << 20, maxDepth: 32, maxFields: 1000, maxEntryBytes: 1 << 21 };
  const route = (stream: string, shared = false): ResolvedRoute => ({
    stream,
    patterns: shared ? ['order.*'] : [stream],
    codec: 'auto',
    shared,
    unknownTypes: 'skip',
    writeCodec: 'envelope',
    extraFields: [],
  });
  const asBuffers = async (key: string): Promise<Array<[string, Buffer[]]>> =>
    (await redis.xrangeBuffer(key, '-', '+')).map(([id, fields]) => [id.toString(), fields]);

  it('derives the same keys, byte for byte, and reads old keys back to their stream', () => {
    expect(StreamKeys.deadLetter('orders')).toBe('{orders}:dlq');
    expect(StreamKeys.deadLetterLog('orders')).toBe('{orders}:dlq:log');
    expect(StreamKeys.retryLane('orders', 'g:due')).toBe('{orders}:retry:g%3Adue');
    expect(StreamKeys.retrySchedule('orders', 'billing')).toBe('{orders}:retry:billing:due');
    expect(StreamKeys.promoterLease('orders', 'billing')).toBe('{orders}:retry:billing:promoter');
    expect(StreamKeys.consumerLease('g%1', 'host:42')).toBe('nrs:consumer:g%251:host%3A42');
    expect(StreamKeys.deadLetter('{shop}:orders')).toBe('{shop}:orders:dlq');
    // A lane written before group names were escaped still names its stream.
    expect(StreamKeys.sourceOf('{orders}:retry:g:due')).toBe('orders');
    expect(StreamKeys.sourceOf('{shop}:orders:dlq:log')).toBe('{shop}:orders');
  });

  it('decodes a dead-letter record written by the previous outcomes.ts, and builds the same one', async () => {
    const stream = uniqueName('compat-dlq');
    const dlq = StreamKeys.deadLetter(stream);
    keys.push(dlq);
    const original = ['type', 'order.created', 'data', '{"id":1}', 'event_id', 'e-1', 'timestamp', 't0'];
    const written = [
      ...original,
      'dlq_stream', stream,
      'dlq_group', 'billing',
      'dlq_consumer', 'host-1-abc',
      'dlq_pattern', 'order.created',
      'dlq_original_id', '1700000000000-0',
      'dlq_attempts', '5',
      'dlq_reason', 'validation',
      'dlq_error_class', 'ValidationError',
      'dlq_error_message', 'validation failed: id.isInt',
      'dlq_error_stack', '',
      'dlq_first_failure', '2026-11-01T00:00:00.000Z',
      'dlq_last_failure', '2026-11-01T00:01:00.000Z',
      'dlq_redriven_from', '1699999999999-0',
      'dlq_constraints', 'id.isInt,id.min',
    ]; // prettier-ignore
    const id = (await redis.xadd(dlq, '*', ...written)) as string;

    const record = await getDeadLetter(redis, stream, id);
    expect(record).toEqual({
      id,
      stream,
      group: 'billing',
      consumer: 'host-1-abc',
      pattern: 'order.created',
      originalId: '1700000000000-0',
      eventId: 'e-1',
      attempts: 5,
      reason: 'validation',
      errorClass: 'ValidationError',
      errorMessage: 'validation failed: id.isInt',
      errorStack: '',
      constraints: ['id.isInt', 'id.min'],
      firstFailure: '2026-11-01T00:00:00.000Z',
      lastFailure: '2026-11-01T00:01:00.000Z',
      deadLetteredAt: Number(id.split('-')[0]),
      truncated: false,
      fields: { type: 'order.created', data: '{"id":1}', event_id: 'e-1', timestamp: 't0' },
    });
    expect(await listDeadLetters(redis, stream, { reason: 'validation' })).toEqual([record]);
    const [[, flat]] = await redis.xrange(dlq, id, id);
    expect(decodeDeadLetter(id, flat)).toEqual(record);

    const encoded = encodeDeadLetter({
      fields: original.map((field) => Buffer.from(field)),
      copyLimits: { maxFieldBytes: 1024, maxFields: 100, maxBytes: 1 << 20 },
      stream,
      group: 'billing',
      consumer: 'host-1-abc',
      pattern: 'order.created',
      originalId: '1700000000000-0',
      attempts: 5,
      reason: 'validation',
      errorClass: 'ValidationError',
      errorMessage: 'validation failed: id.isInt',
      errorStack: undefined,
      constraints: ['id.isInt', 'id.min'],
      firstFailure: '2026-11-01T00:00:00.000Z',
      lastFailure: '2026-11-01T00:01:00.000Z',
      redrivenFrom: '1699999999999-0',
    });
    expect(encoded.map(String)).toEqual(written);
  });

  it('decodes the unpromotable and truncated records the previous Lua steps and copy cap wrote', async () => {
    const stream = uniqueName('compat-unpromotable');
    const dlq = StreamKeys.deadLetter(stream);
    keys.push(dlq);
    const unpromotable = (await redis.xadd(dlq, '*',
      'dlq_member', 'not json',
      'dlq_stream', stream, 'dlq_group', 'g', 'dlq_consumer', 'c1',
      'dlq_pattern', '', 'dlq_original_id', '',
      'dlq_attempts', '', 'dlq_reason', 'unpromotable',
      'dlq_error_class', 'UnpromotableRetry', 'dlq_error_message', 'retry not promotable: not JSON',
      'dlq_error_stack', '', 'dlq_first_failure', '2026-11-01T00:00:00.000Z',
      'dlq_last_failure', '2026-11-01T00:00:00.000Z',
    )) as string; // prettier-ignore
    const truncated = (await redis.xadd(dlq, '*',
      'type', 'big', 'data', '{"pad":"xx',
      'dlq_truncated', 'true',
      'dlq_stream', stream, 'dlq_group', 'g', 'dlq_consumer', 'c1',
      'dlq_pattern', 'big', 'dlq_original_id', '1-0', 'dlq_attempts', '1', 'dlq_reason', 'too-large',
      'dlq_error_class', 'BadEntryError', 'dlq_error_message', 'entry over the 10-byte cap',
      'dlq_error_stack', '', 'dlq_first_failure', 'f', 'dlq_last_failure', 'l',
    )) as string; // prettier-ignore

    const [first, second] = await listDeadLetters(redis, stream);
    expect(first).toMatchObject({ id: unpromotable, reason: 'unpromotable', attempts: 0, fields: {} });
    expect(second).toMatchObject({ id: truncated, reason: 'too-large', truncated: true, pattern: 'big' });
    expect(second.fields).toEqual({ type: 'big', data: '{"pad":"xx' });
    const result = await redriveDeadLetters(redis, stream, { all: true });
    expect(result.skipped.map((skip) => skip.why).sort()).toEqual(['truncated payload', 'unpromotable']);
  });

  it('reads a retry-lane entry the previous version wrote (scheduled retry and redrive alike)', async () => {
    const stream = uniqueName('compat-lane');
    const lane = StreamKeys.retryLane(stream, 'g');
    keys.push(lane);
    const own = ['type', 'order.created', 'data', '{"id":1}', 'event_id', 'e-1'];
    const bookkeeping = [
      'retry_original_id', '1700000000000-3',
      'retry_deliveries', '2',
      'retry_first_failure', '2026-11-01T00:00:00.000Z',
    ]; // prettier-ignore
    await redis.xadd(lane, '*', ...own, ...bookkeeping);
    await redis.xadd(lane, '*', ...own, ...bookkeeping.slice(0, 2), 'retry_deliveries', '0',
      'retry_first_failure', '', 'retry_redriven_from', '1700000000001-0'); // prettier-ignore

    const [[, scheduled], [, redriven]] = await asBuffers(lane);
    expect(readLaneEntry(scheduled)).toEqual({
      fields: own.map((field) => Buffer.from(field)),
      originalId: '1700000000000-3',
      deliveries: 2,
      firstFailure: '2026-11-01T00:00:00.000Z',
      redrivenFrom: undefined,
    });
    expect(readLaneEntry(redriven)).toMatchObject({
      deliveries: 0,
      firstFailure: undefined,
      redrivenFrom: '1700000000001-0',
    });
    expect(
      encodeLaneFields({
        originalId: '1700000000000-3',
        deliveries: 2,
        firstFailure: '2026-11-01T00:00:00.000Z',
      }),
    ).toEqual(bookkeeping);
  });

  it('a record of the previous version redrives into a lane entry the current reader understands', async () => {
    const stream = uniqueName('compat-redrive');
    const dlq = StreamKeys.deadLetter(stream);
    const lane = StreamKeys.retryLane(stream, 'g');
    keys.push(dlq, lane, StreamKeys.deadLetterLog(stream));
    const id = (await redis.xadd(dlq, '*',
      'type', 'x', 'data', '{}',
      'dlq_stream', stream, 'dlq_group', 'g', 'dlq_consumer', 'c1', 'dlq_pattern', 'x',
      'dlq_original_id', '1700000000000-9', 'dlq_attempts', '5', 'dlq_reason', 'max-deliveries',
      'dlq_error_class', 'Error', 'dlq_error_message', 'boom', 'dlq_error_stack', '',
      'dlq_first_failure', 'first', 'dlq_last_failure', 'last',
    )) as string; // prettier-ignore

    const result = await redriveDeadLetters(redis, stream, { ids: [id], by: 'test' });
    expect(result.redriven).toHaveLength(1);
    const [[, fields]] = await asBuffers(lane);
    const entry = readLaneEntry(fields);
    expect(entry).toMatchObject({ originalId: '1700000000000-9', deliveries: 0, firstFailure: 'first' });
    expect(entry.redrivenFrom).toBe(id);
    expect(entry.fields.map(String)).toEqual(['type', 'x', 'data', '{}']);
    const [[, log]] = await redis.xrange(StreamKeys.deadLetterLog(stream), '-', '+');
    expect(log.slice(0, 4)).toEqual(['action', 'redrive', 'dlq_id', id]);
  });

  it('decodes envelope entries (this library, seed 000 extras) and flat ones (seed 002) as before', async () => {
    const stream = uniqueName('compat-envelope');
    keys.push(stream);
    const envelope = encodeEnvelope(
      'order.created',
      { id: 1 },
      { eventId: 'e-1', timestamp: new Date('2026-11-01T00:00:00.000Z'), headers: { traceparent: 'tp' } },
      { maxPayloadBytes: 1024, maxDepth: 8 },
    );
    // The previous codec's field order, as a Python reader parses it.
    expect(envelope).toEqual([
      'type', 'order.created', 'data', '{"id":1}', 'event_id', 'e-1',
      'timestamp', '2026-11-01T00:00:00.000Z', 'headers', '{"traceparent":"tp"}',
    ]); // prettier-ignore
    await redis.xadd(stream, '*', ...envelope);
    await redis.xadd(stream, '*', 'type', 'order.paid', 'data', '{"id":2}', 'event_id', 'e-2',
      'timestamp', 't', 'job_id', 'j-1', 'metadata', '{"a":1}'); // prettier-ignore
    await redis.xadd(
      stream,
      '*',
      'email_id',
      'abc123',
      'priority',
      'high',
      'tags',
      '["a"]',
      'note',
      '[draft] x',
    );

    const [[, mine], [, seed000], [, flat]] = await asBuffers(stream);
    expect(decodeEntry(mine, route(stream, true), limits)).toEqual({
      pattern: 'order.created',
      data: { id: 1 },
      eventId: 'e-1',
      timestamp: '2026-11-01T00:00:00.000Z',
      headers: { traceparent: 'tp' },
      extras: {},
    });
    expect(decodeEntry(seed000, route(stream, true), limits)).toMatchObject({
      pattern: 'order.paid',
      extras: { job_id: 'j-1', metadata: '{"a":1}' },
    });
    expect(decodeEntry(flat, route(stream), limits)).toMatchObject({
      pattern: stream,
      data: { email_id: 'abc123', priority: 'high', tags: ['a'], note: '[draft] x' },
    });
    expect(decodeTailedEntry(stream, { id: '1-0', fields: flat })).toEqual({
      id: '1-0',
      type: stream,
      data: { email_id: 'abc123', priority: 'high', tags: ['a'], note: '[draft] x' },
    });
  });

  it('runs the lease and idle-consumer steps as the same scripts the previous version sent by EVAL', async () => {
    const sha = (text: string): string => createHash('sha1').update(text).digest('hex');
    // The previous version's raw EVAL sources, byte for byte: same SHA, same behaviour in a rolling deploy.
    expect(sha(RENEW_CONSUMER_LEASE_LUA)).toBe(
      sha(
        `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`,
      ),
    );
    expect(sha(RELEASE_CONSUMER_LEASE_LUA)).toBe(
      sha(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`),
    );
    expect(sha(DELETE_IDLE_CONSUMER_LUA)).toBe(
      sha(`
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1`),
    );

    const scripts = new RedisScripts(redis);
    const lease = StreamKeys.consumerLease(uniqueName('g'), 'c1');
    const stream = uniqueName('compat-consumers');
    keys.push(lease, stream);
    await redis.set(lease, 'token-a', 'PX', 1000);
    expect(await scripts.renewConsumerLease(lease, 'token-b', 60_000)).toBe(false);
    expect(await scripts.renewConsumerLease(lease, 'token-a', 60_000)).toBe(true);
    expect(await redis.pttl(lease)).toBeGreaterThan(1000);
    expect(await scripts.releaseConsumerLease(lease, 'token-b')).toBe(false);
    expect(await scripts.releaseConsumerLease(lease, 'token-a')).toBe(true);
    expect(await redis.exists(lease)).toBe(0);

    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    await redis.xadd(stream, '*', 'type', 'x', 'data', '{}');
    await redis.xreadgroup('GROUP', 'g', 'busy', 'COUNT', 1, 'STREAMS', stream, '>');
    await redis.xgroup('CREATECONSUMER', stream, 'g', 'idle');
    expect(await scripts.deleteIdleConsumer(stream, 'g', 'busy')).toBe(false);
    expect(await scripts.deleteIdleConsumer(stream, 'g', 'idle')).toBe(true);
    const names = ((await redis.xinfo('CONSUMERS', stream, 'g')) as unknown[][]).map((info) =>
      String(info[1]),
    );
    expect(names).toEqual(['busy']);
  });
});
