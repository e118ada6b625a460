import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { RedisStreamsContext } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/** XADD with the real redis-cli binary, as the users' scripts do. Returns the entry id. */
function redisCli(...args: string[]): string {
  return execFileSync('redis-cli', ['-u', process.env.REDIS_URL as string, ...args])
    .toString()
    .trim();
}

describe('entries written by other producers (seed formats) with redis-cli', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let consumer: TestConsumer | undefined;
  const streams: string[] = [];

  afterEach(async () => {
    await consumer?.close();
    await redis.del(...streams.splice(0));
  });
  afterAll(() => redis.disconnect());

  it('seed 000/004 fields on a shared stream reach the handler of their type, extra fields in the context', async () => {
    const stream = uniqueName('shield-events');
    streams.push(stream);
    const started = `${stream}.ingestion.started`;
    const completed = `${stream}.ingestion.completed`;
    const seen: Array<{ pattern: string; data: unknown; ctx: RedisStreamsContext }> = [];
    const record = (pattern: string) => (data: unknown, ctx: RedisStreamsContext) =>
      void seen.push({ pattern, data, ctx });
    consumer = await startConsumer(
      [eventController(started, record(started)), eventController(completed, record(completed))],
      {
        group: 'metrics-collector',
        startId: '0',
        routes: [{ stream, patterns: [`${stream}.ingestion.*`] }],
      },
    );

    // seed 000: emit_event() fields
    redisCli(
      'XADD',
      stream,
      '*',
      'event_id',
      'test-123',
      'type',
      started,
      'timestamp',
      '2026-11-23T10:00:00Z',
      'job_id',
      'job-1',
      'data',
      '{"chunks": 3}',
      'metadata',
      '{"k": "v"}',
    );
    // a type nobody in this service handles: acked and skipped, the loop goes on
    redisCli('XADD', stream, '*', 'type', `${stream}.ingestion.other`, 'data', '{}');
    // seed 004: publish() fields
    redisCli(
      'XADD',
      stream,
      '*',
      'type',
      completed,
      'source',
      'change-detection',
      'data',
      '{"ok": true}',
      'timestamp',
      '2026-11-23T10:00:01',
    );

    await waitFor(() => seen.length === 2, 'both seed events handled');
    expect(seen[0].pattern).toBe(started);
    expect(seen[0].data).toEqual({ chunks: 3 });
    expect(seen[0].ctx.getEventId()).toBe('test-123');
    expect(seen[0].ctx.getExtraFields()).toEqual({ job_id: 'job-1', metadata: '{"k": "v"}' });
    expect(seen[0].ctx.getTimestamp()).toBe('2026-11-23T10:00:00Z');
    expect(seen[1].pattern).toBe(completed);
    expect(seen[1].data).toEqual({ ok: true });
    expect(seen[1].ctx.getExtraFields()).toEqual({ source: 'change-detection' });
    await waitFor(() => consumer?.server.getStats().skipped === 1, 'the unknown type skipped');
    await waitFor(
      async () => ((await redis.xpending(stream, 'metrics-collector')) as [number])[0] === 0,
      'all acked',
    );
  });

  it('seed 002 flat entries reach the handler of the stream, JSON-looking values decoded', async () => {
    const stream = uniqueName('email.received');
    streams.push(stream);
    const seen: unknown[] = [];
    consumer = await startConsumer([eventController(stream, (data) => void seen.push(data))], {
      group: 'email-processor',
      startId: '0',
      routes: [{ stream, patterns: [stream], codec: 'flat' }],
    });
    redisCli(
      'XADD',
      stream,
      '*',
      'email_id',
      'abc123',
      'category',
      'medical',
      'priority',
      'high',
      'has_attachments',
      'True',
      'labels',
      '["inbox", "urgent"]',
      'meta',
      '{"size": 12}',
    );
    await waitFor(() => seen.length === 1, 'the flat entry handled');
    expect(seen[0]).toEqual({
      email_id: 'abc123',
      category: 'medical',
      priority: 'high',
      has_attachments: 'True',
      labels: ['inbox', 'urgent'],
      meta: { size: 12 },
    });
  });

  it('an unknown type or a bad entry on a single-pattern stream neither crashes nor stalls the loop', async () => {
    const stream = uniqueName('single');
    streams.push(stream, `{${stream}}:dlq`);
    const seen: unknown[] = [];
    consumer = await startConsumer([eventController(stream, (data) => void seen.push(data))], {
      group: 'g',
      startId: '0',
    });
    const unknown = redisCli('XADD', stream, '*', 'type', 'somebody.else', 'data', '{}');
    const notJson = redisCli('XADD', stream, '*', 'type', stream, 'data', '{not json');
    redisCli('XADD', stream, '*', 'type', stream, 'data', '{"n": 1}');
    await waitFor(() => seen.length === 1, 'the valid entry after the bad ones handled');
    expect(seen).toEqual([{ n: 1 }]);
    // Never acknowledged without a record: both are in the dead-letter stream with their reason.
    await waitFor(() => consumer?.server.getStats().deadLettered === 2, 'both dead-lettered');
    const records = (await redis.xrange(`{${stream}}:dlq`, '-', '+')).map(([, fields]) => fields);
    const field = (fields: string[], name: string): string => fields[fields.indexOf(name) + 1];
    expect(records.map((fields) => [field(fields, 'dlq_original_id'), field(fields, 'dlq_reason')])).toEqual([
      [unknown, 'no-handler'],
      [notJson, 'invalid-json'],
    ]);
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
  });
});
