import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  InvalidEventError,
  RedisStreamsContext,
  RedisStreamsRecord,
  StreamRoute,
} from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

// Write codecs per route (issue 13 item 1) against a real Redis: what lands in the stream, and that a Nest consumer
// given the same routes reads it back.

type Fields = Record<string, string>;

const asObject = (raw: string[]): Fields =>
  Object.fromEntries(raw.flatMap((value, i) => (i % 2 === 0 ? [[value, raw[i + 1]]] : [])));

describe('write codecs per route, against Redis', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const streams: string[] = [];
  const clients: ClientRedisStreams[] = [];
  let consumer: TestConsumer | undefined;

  const setUp = (routes: StreamRoute[]): ClientRedisStreams => {
    streams.push(...routes.map((route) => route.stream));
    const client = new ClientRedisStreams({ routes });
    clients.push(client);
    return client;
  };
  const entries = async (stream: string): Promise<Array<{ names: string[]; fields: Fields }>> =>
    (await redis.xrange(stream, '-', '+')).map(([, raw]) => ({
      names: raw.filter((_, i) => i % 2 === 0),
      fields: asObject(raw),
    }));

  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await Promise.all(clients.splice(0).map((client) => client.close()));
    if (streams.length > 0) {
      await redis.del(...streams.splice(0));
    }
  });
  afterAll(() => redis.disconnect());

  it('flat: exactly the payload keys as fields, and a Nest consumer on the same routes reads it back', async () => {
    const stream = uniqueName('tasks');
    const pattern = `${stream}.requested`;
    const routes: StreamRoute[] = [{ stream, patterns: [pattern], codec: 'auto', writeCodec: 'flat' }];
    const client = setUp(routes);
    const seen: Array<{ data: unknown; pattern: string }> = [];
    consumer = await startConsumer(
      [
        eventController(
          pattern,
          (data, ctx: RedisStreamsContext) => void seen.push({ data, pattern: ctx.getPattern() }),
        ),
      ],
      { group: 'g', startId: '0', routes },
    );

    const payload = { job_id: 'j1', content: '€ text', metadata: { lang: 'en' }, retry_count: 0, ok: true };
    await lastValueFrom(client.emit(pattern, payload));
    // The active trace and the client's default headers have no field on a flat route: nothing else is written.
    expect(await entries(stream)).toEqual([
      {
        names: ['job_id', 'content', 'metadata', 'retry_count', 'ok'],
        fields: { job_id: 'j1', content: '€ text', metadata: '{"lang":"en"}', retry_count: '0', ok: 'true' },
      },
    ]);
    await waitFor(() => seen.length === 1, 'the flat entry handled');
    expect(seen[0]).toEqual({
      pattern,
      data: { job_id: 'j1', content: '€ text', metadata: { lang: 'en' }, retry_count: '0', ok: 'true' },
    });
  });

  it('flat on a shared stream writes type first and is dispatched by it', async () => {
    const stream = uniqueName('bus');
    const routes: StreamRoute[] = [{ stream, patterns: [`${stream}.a`, `${stream}.b`], codec: 'flat' }];
    const client = setUp(routes);
    await lastValueFrom(client.emit(`${stream}.b`, { n: 1 }));
    expect((await entries(stream))[0].names).toEqual(['type', 'n']);
    expect((await entries(stream))[0].fields.type).toBe(`${stream}.b`);
  });

  it('flat refuses what it cannot write, and writes nothing', async () => {
    const stream = uniqueName('tasks');
    const client = setUp([{ stream, patterns: [stream], codec: 'auto', writeCodec: 'flat' }]);
    const attempts: unknown[] = [
      [1, 2],
      new RedisStreamsRecord({ a: 1 }, { eventId: 'e1' }),
      new RedisStreamsRecord({ a: 1 }, { headers: { x: 'y' } }),
      { data: 'would be read as an envelope' },
      {},
    ];
    for (const attempt of attempts) {
      await expect(lastValueFrom(client.emit(stream, attempt))).rejects.toBeInstanceOf(InvalidEventError);
    }
    expect(await redis.exists(stream)).toBe(0);
  });

  it('envelope with extra fields: every extra present, from the payload, the record or the default; handlers see them as extras', async () => {
    const stream = uniqueName('events');
    const routes: StreamRoute[] = [
      {
        stream,
        patterns: [`${stream}.*`],
        extraFields: [
          { field: 'job_id', fromPayload: 'jobId' },
          { field: 'metadata', format: 'json' },
        ],
      },
    ];
    const client = setUp(routes);
    const extras: Array<Readonly<Record<string, string>>> = [];
    consumer = await startConsumer(
      [
        eventController(
          `${stream}.*`,
          (_data, ctx: RedisStreamsContext) => void extras.push(ctx.getExtraFields()),
        ),
      ],
      { group: 'g', startId: '0', routes },
    );

    await lastValueFrom(client.emit(`${stream}.started`, { jobId: 'j1', chunkCount: 2 }));
    await lastValueFrom(
      client.emit(
        `${stream}.other`,
        new RedisStreamsRecord({ n: 1 }, { eventId: 'e2', fields: { metadata: { by: 'nest' } } }),
      ),
    );
    const written = await entries(stream);
    expect(written.map((entry) => entry.names)).toEqual([
      ['type', 'data', 'event_id', 'timestamp', 'job_id', 'metadata'],
      ['type', 'data', 'event_id', 'timestamp', 'job_id', 'metadata'],
    ]);
    expect(written[0].fields).toMatchObject({
      data: '{"jobId":"j1","chunkCount":2}',
      job_id: 'j1',
      metadata: '{}',
    });
    expect(written[1].fields).toMatchObject({ event_id: 'e2', job_id: '', metadata: '{"by":"nest"}' });

    await waitFor(() => extras.length === 2, 'both events handled');
    expect(extras).toEqual([
      { job_id: 'j1', metadata: '{}' },
      { job_id: '', metadata: '{"by":"nest"}' },
    ]);

    await expect(
      lastValueFrom(client.emit(`${stream}.x`, new RedisStreamsRecord({}, { fields: { nope: 1 } }))),
    ).rejects.toThrow(/does not declare/);
    expect(await redis.xlen(stream)).toBe(2);
  });

  it('a route whose readers could not read what it writes is refused when the client is created', () => {
    expect(
      () => new ClientRedisStreams({ routes: [{ stream: 's', patterns: ['p'], writeCodec: 'flat' }] }),
    ).toThrow(/routes\[0\]: writeCodec flat needs codec flat or auto/);
  });
});
