import { InvalidEventError } from '../errors/redis-streams.error';
import { ResolvedRoute, StreamRoute, resolveRoutes } from '../options/routing-options';
import { decodeEntry } from './entry-decoder';
import { encodeEntry } from './entry-encoder';

const limits = { maxPayloadBytes: 1024, maxDepth: 8 };
const decodeLimits = { ...limits, maxFields: 100, maxEntryBytes: 8192 };

const routeOf = (route: StreamRoute): ResolvedRoute => resolveRoutes([route])[0];
const asObject = (fields: string[]): Record<string, string> =>
  Object.fromEntries(fields.flatMap((value, i) => (i % 2 === 0 ? [[value, fields[i + 1]]] : [])));
const asBuffers = (fields: string[]): Buffer[] => fields.map((field) => Buffer.from(field));

/** The seed's task layout, and the route the demo topology gives the ingestion queue. */
const taskQueue = routeOf({
  stream: 'q',
  patterns: ['ingestion.requested'],
  codec: 'auto',
  writeCodec: 'flat',
});
const task = {
  job_id: 'j1',
  chunk_id: 'j1:0',
  content: 'Hello',
  source_uri: 'https://example.com/a',
  source_type: 'web',
  metadata: { lang: 'en' },
  retry_count: 0,
  timestamp: '2026-12-03T14:00:00.000Z',
};

/** The demo topology's event bus: envelope + job_id + metadata. */
const eventBus = routeOf({
  stream: 'events',
  patterns: ['ingestion.*'],
  extraFields: [
    { field: 'job_id', fromPayload: 'jobId' },
    { field: 'metadata', format: 'json' },
  ],
});

describe('encodeEntry: flat', () => {
  it('writes every payload key as its own field, exactly the seed task layout, nothing else', () => {
    const fields = encodeEntry(taskQueue, 'ingestion.requested', task, {}, limits);
    expect(fields).toEqual([
      'job_id',
      'j1',
      'chunk_id',
      'j1:0',
      'content',
      'Hello',
      'source_uri',
      'https://example.com/a',
      'source_type',
      'web',
      'metadata',
      '{"lang":"en"}',
      'retry_count',
      '0',
      'timestamp',
      '2026-12-03T14:00:00.000Z',
    ]);
  });

  it('writes strings as written, numbers and booleans as text, objects and arrays as JSON, Date as ISO, null as ""', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const fields = encodeEntry(
      taskQueue,
      'ingestion.requested',
      { s: 'a b', n: 1.5, t: true, o: {}, a: [1, 'x'], d: at, z: null, u: undefined },
      {},
      limits,
    );
    expect(asObject(fields)).toEqual({
      s: 'a b',
      n: '1.5',
      t: 'true',
      o: '{}',
      a: '[1,"x"]',
      d: '2026-01-02T03:04:05.000Z',
      z: '',
    });
  });

  it('is read back by the flat and auto read codecs with the route pattern', () => {
    const fields = encodeEntry(taskQueue, 'ingestion.requested', task, {}, limits);
    const decoded = decodeEntry(asBuffers(fields), taskQueue, decodeLimits);
    expect(decoded.pattern).toBe('ingestion.requested');
    expect(decoded.data).toEqual({ ...task, metadata: { lang: 'en' }, retry_count: '0' });
  });

  it('writes type first on a shared stream, and refuses a payload key named type there', () => {
    const shared = routeOf({ stream: 's', patterns: ['a', 'b'], codec: 'flat' });
    expect(shared.writeCodec).toBe('flat');
    const fields = encodeEntry(shared, 'b', { x: 1 }, {}, limits);
    expect(fields).toEqual(['type', 'b', 'x', '1']);
    expect(decodeEntry(asBuffers(fields), shared, decodeLimits)).toMatchObject({
      pattern: 'b',
      data: { x: '1' },
    });
    expect(() => encodeEntry(shared, 'b', { type: 'c' }, {}, limits)).toThrow(/key "type"/);
  });

  it('refuses what a reader would refuse or misread, naming the key, never the value', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['text', /must be an object/],
      [[1, 2], /must be an object/],
      [{}, /no field/],
      [{ u: undefined }, /no field/],
      [JSON.parse('{"__proto__": "x"}'), /consumers refuse/],
      [{ constructor: 'x' }, /consumers refuse/],
      [{ '': 'x' }, /empty key/],
      [{ data: '{}' }, /codec auto/],
      [{ big: 'é'.repeat(600) }, /field "big" .* over the 1024-byte limit/],
      [{ deep: [[[[[[[[[1]]]]]]]]] }, /field "deep" .* deeper than 8/],
      [{ n: BigInt(1) }, /field "n" .* cannot be written/],
      [{ ['k'.repeat(1025)]: 'x' }, /key over 1024 bytes/],
    ];
    for (const [payload, message] of bad) {
      expect(() => encodeEntry(taskQueue, 'ingestion.requested', payload, {}, limits)).toThrow(message);
    }
    let thrown: unknown;
    try {
      encodeEntry(taskQueue, 'p', { secret: 'hunter2'.repeat(200) }, {}, limits);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidEventError);
    expect((thrown as Error).message).not.toContain('hunter2');
  });

  it('refuses an explicit event id, headers or extra fields (a flat entry has no field for them)', () => {
    for (const meta of [{ explicit: true }, { fields: { job_id: 'x' } }]) {
      expect(() => encodeEntry(taskQueue, 'ingestion.requested', task, meta, limits)).toThrow(
        /written flat: an event id, headers or extra fields have no place/,
      );
    }
  });
});

describe('encodeEntry: envelope with extra fields', () => {
  it('writes the envelope then every extra field, job_id from the payload and metadata {} when absent', () => {
    const at = new Date('2026-12-03T14:00:00.000Z');
    const fields = encodeEntry(
      eventBus,
      'ingestion.started',
      { jobId: 'j1', chunkCount: 2 },
      { eventId: 'j1:started', timestamp: at },
      limits,
    );
    expect(fields).toEqual([
      'type',
      'ingestion.started',
      'data',
      '{"jobId":"j1","chunkCount":2}',
      'event_id',
      'j1:started',
      'timestamp',
      '2026-12-03T14:00:00.000Z',
      'job_id',
      'j1',
      'metadata',
      '{}',
    ]);
  });

  it('every extra field is present: the default when neither the record nor the payload gives one', () => {
    const fields = asObject(encodeEntry(eventBus, 'ingestion.x', { other: 1 }, {}, limits));
    expect(fields).toMatchObject({ job_id: '', metadata: '{}' });
    expect(asObject(encodeEntry(eventBus, 'ingestion.x', [1], {}, limits))).toMatchObject({ job_id: '' });
    expect(asObject(encodeEntry(eventBus, 'ingestion.x', { jobId: null }, {}, limits))).toMatchObject({
      job_id: '',
    });
  });

  it('the record wins over the payload; json fields are always JSON, text fields text', () => {
    const fields = asObject(
      encodeEntry(
        eventBus,
        'ingestion.x',
        { jobId: 'from-payload' },
        { fields: { job_id: 42, metadata: { by: 'nest', tags: ['a'] } } },
        limits,
      ),
    );
    expect(fields).toMatchObject({ job_id: '42', metadata: '{"by":"nest","tags":["a"]}' });
    const jsonText = asObject(
      encodeEntry(eventBus, 'ingestion.x', {}, { fields: { metadata: 'note' } }, limits),
    );
    expect(jsonText.metadata).toBe('"note"');
  });

  it('refuses a record field the route does not declare, on any envelope route', () => {
    const plain = routeOf({ stream: 'p', patterns: ['p'] });
    for (const route of [eventBus, plain]) {
      expect(() => encodeEntry(route, 'p', { a: 1 }, { fields: { nope: 'x' } }, limits)).toThrow(
        /field "nope", which its route does not declare/,
      );
    }
  });

  it('caps extra field values like payloads', () => {
    expect(() =>
      encodeEntry(eventBus, 'ingestion.x', {}, { fields: { job_id: 'x'.repeat(2000) } }, limits),
    ).toThrow(/extra field "job_id" is 2000 bytes/);
  });

  it('is read back by the envelope reader with the extras untouched', () => {
    const fields = encodeEntry(eventBus, 'ingestion.started', { jobId: 'j1' }, {}, limits);
    const decoded = decodeEntry(asBuffers(fields), eventBus, decodeLimits);
    expect(decoded).toMatchObject({
      pattern: 'ingestion.started',
      data: { jobId: 'j1' },
      extras: { job_id: 'j1', metadata: '{}' },
    });
  });

  it('without extra fields, writes exactly what it always did', () => {
    const plain = routeOf({ stream: 'p', patterns: ['p'] });
    const fields = encodeEntry(plain, 'p', { a: 1 }, { eventId: 'e', headers: { source: 'api' } }, limits);
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual([
      'type',
      'data',
      'event_id',
      'timestamp',
      'headers',
    ]);
  });
});
