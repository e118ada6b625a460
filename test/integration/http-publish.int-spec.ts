import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { routes } from '@app/contracts';
import { ClientRedisStreams, RedisStreamsContext } from '@app/redis-streams';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { payloadFingerprint } from '../../apps/api/src/publish/payload-fingerprint';
import { PublishMarkerStore } from '../../apps/api/src/publish/publish-marker.store';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { SHIELD_KEYS, appLogger, listen } from '../support/shield-apps';
import { waitFor } from '../support/wait';

// The seed-002 streams are named after their event types (`email.received`), so this file owns the streams of the
// types it publishes and the shield topology's keys the API provisions: it deletes them before and after.

const TOKEN = 'test-publish-token-0123456789abcdef';
const ENDPOINT = '/api/v1/events/publish';
const TYPE = 'email.received';
const OTHER_TYPE = 'service.down';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

interface HandledEvent {
  data: Record<string, unknown>;
  eventId: string | undefined;
}

interface RunningApi {
  app: INestApplication;
  url: string;
}

/** Starts the API app with `env` set while it is created (its settings are read then), restoring it afterwards. */
async function startApi(env: Record<string, string | undefined>): Promise<RunningApi> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
  };
  apply(env);
  try {
    const app = await createApiApp({ logger: appLogger });
    return { app, url: await listen(app) };
  } finally {
    apply(saved);
  }
}

/** POSTs `body` (JSON text as is when a string) to the publish endpoint; `authorization` null: no such header. */
async function publish(
  url: string,
  body: unknown,
  authorization: string | null = `Bearer ${TOKEN}`,
): Promise<Answer> {
  const response = await fetch(`${url}${ENDPOINT}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization === null ? {} : { authorization }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

/** The `curl` command of the README's "Publishing over HTTP" section, continuation lines joined. */
function readmeCurl(): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.split('## Publishing over HTTP (n8n and other non-Nest producers)')[1] ?? '';
  const lines = section.split('\n');
  const start = lines.findIndex((line) =>
    line.startsWith(`curl -s -X POST http://localhost:3000${ENDPOINT}`),
  );
  if (start < 0) {
    throw new Error('the README has no publish curl');
  }
  const command: string[] = [];
  for (let i = start; i < lines.length; i++) {
    command.push(lines[i].replace(/\\$/, ''));
    if (!lines[i].endsWith('\\')) {
      break;
    }
  }
  return command.join(' ');
}

/** The constraint names the 400 body lists for `property`. */
function constraintsOf(body: Record<string, unknown>, property: string): string[] {
  const errors = body.errors as Array<{ property: string; constraints: Record<string, string> }>;
  return errors
    .filter((error) => error.property === property)
    .flatMap((error) => Object.keys(error.constraints));
}

const email = (id: string): Record<string, unknown> => ({
  email_id: id,
  category: 'medical',
  priority: 'high',
  has_attachments: true,
});

describe('POST /api/v1/events/publish (n8n and other non-Nest producers)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const streamOf = (type: string): string => new ClientRedisStreams({ routes }).streamFor(type);
  const stream = streamOf(TYPE);
  const otherStream = streamOf(OTHER_TYPE);
  const handled: HandledEvent[] = [];
  const usedEventIds: string[] = [];
  const streamKeys = (): string[] => [stream, otherStream];
  const markerKeys = (): string[] => usedEventIds.map((id) => PublishMarkerStore.key(stream, id));
  const eventId = (label: string): string => {
    const id = uniqueName(label).replace(/^test:/, 'n8n-');
    usedEventIds.push(id);
    return id;
  };
  const handledWith = (id: string): HandledEvent[] => handled.filter((event) => event.eventId === id);
  let consumer: TestConsumer | undefined;
  let api: RunningApi | undefined;
  const url = (): string => api?.url ?? '';

  beforeAll(async () => {
    usedEventIds.push('n8n-4711-abc123'); // the README curl's
    await redis.del(...SHIELD_KEYS, ...streamKeys(), ...markerKeys());
    consumer = await startConsumer(
      [
        eventController(TYPE, (data: unknown, ctx: RedisStreamsContext) => {
          handled.push({ data: data as Record<string, unknown>, eventId: ctx.getEventId() });
        }),
      ],
      { group: 'email-processor', routes, startId: '0' },
    );
    api = await startApi({
      PUBLISH_TOKEN: TOKEN,
      PUBLISH_OPEN: undefined,
      PUBLISH_MAX_PAYLOAD_BYTES: '1024',
    });
  });

  afterAll(async () => {
    await api?.app.close();
    await consumer?.close();
    await redis.del(...SHIELD_KEYS, ...streamKeys(), ...markerKeys());
    redis.disconnect();
  });

  it("the README's n8n-style curl publishes an event that an @EventPattern consumer handles", async () => {
    const command = readmeCurl().replace('http://localhost:3000', url());
    const { stdout } = await promisify(execFile)('bash', ['-c', command], {
      env: { ...process.env, PUBLISH_TOKEN: TOKEN },
    });
    const answer = JSON.parse(stdout) as { id: string; stream: string };
    expect(answer).toEqual({ id: expect.stringMatching(/^\d+-\d+$/) as unknown, stream });

    const [event] = await waitFor(() => {
      const found = handledWith('n8n-4711-abc123');
      return found.length > 0 ? found : undefined;
    }, 'the consumer to handle the published event');
    expect(event.data).toEqual(email('abc123'));
    const entries = await redis.xrange(stream, answer.id, answer.id);
    expect(entries).toHaveLength(1);
    await waitFor(async () => {
      const pending = (await redis.xpending(stream, 'email-processor')) as [number, ...unknown[]];
      return pending[0] === 0;
    }, 'the entry to be acknowledged');
  });

  it('a wrong or missing token gets 401 and writes nothing', async () => {
    const before = await redis.xlen(stream);
    const id = eventId('wrong-token');
    const body = { stream, event_id: id, payload: email('wrong-token') };
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer ',
      `Basic ${TOKEN}`,
      TOKEN,
      null,
    ]) {
      const answer = await publish(url(), body, authorization);
      expect({ authorization, status: answer.status }).toEqual({ authorization, status: 401 });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="publish"');
    }
    expect(await redis.xlen(stream)).toBe(before);
    expect(await redis.exists(PublishMarkerStore.key(stream, id))).toBe(0);
    // The scheme is case-insensitive (RFC 6750): the right token in lower case is accepted.
    expect((await publish(url(), body, `bearer ${TOKEN}`)).status).toBe(201);
  });

  it('a bad body gets 400 with the broken constraints named, and writes nothing', async () => {
    const before = await redis.xlen(stream);
    const cases: Array<{ body: unknown; property: string; constraint: string }> = [
      {
        body: { stream, payload: { category: 'medical', priority: 'high', has_attachments: 'yes' } },
        property: 'payload.email_id',
        constraint: 'isNotEmpty',
      },
      {
        body: { stream, payload: { ...email('x'), has_attachments: 'yes' } },
        property: 'payload.has_attachments',
        constraint: 'isBoolean',
      },
      {
        body: { type: TYPE, payload: { ...email('x'), spam: 1 } },
        property: 'payload.spam',
        constraint: 'whitelistValidation',
      },
      {
        body: { type: 'email.deleted', payload: email('x') },
        property: 'type',
        constraint: 'isAllowedEventType',
      },
      { body: { stream: 'secrets', payload: email('x') }, property: 'stream', constraint: 'isAllowedStream' },
      { body: { payload: email('x') }, property: 'type', constraint: 'streamOrType' },
      {
        body: { type: TYPE, stream: otherStream, payload: email('x') },
        property: 'stream',
        constraint: 'matchesType',
      },
      { body: { type: TYPE, payload: [email('x')] }, property: 'payload', constraint: 'isObject' },
      {
        body: { type: TYPE, payload: email('x'), extra: true },
        property: 'extra',
        constraint: 'whitelistValidation',
      },
      {
        body: { type: TYPE, payload: email('x'), event_id: 'has space' },
        property: 'event_id',
        constraint: 'matches',
      },
      { body: [email('x')], property: 'body', constraint: 'isObject' },
    ];
    for (const { body, property, constraint } of cases) {
      const answer = await publish(url(), body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
      expect({ body, constraints: constraintsOf(answer.body, property) }).toEqual({
        body,
        constraints: expect.arrayContaining([constraint]) as unknown,
      });
      expect(Array.isArray(answer.body.message)).toBe(true);
    }
    const both = await publish(url(), { stream, payload: { has_attachments: 'yes' } });
    expect(constraintsOf(both.body, 'payload.has_attachments')).toEqual(['isBoolean']);
    expect(constraintsOf(both.body, 'payload.category')).toEqual(expect.arrayContaining(['isString']));
    expect(await redis.xlen(stream)).toBe(before);
    expect(await redis.exists('email.deleted', 'secrets')).toBe(0);
  });

  it('a payload over PUBLISH_MAX_PAYLOAD_BYTES gets 413 and writes nothing', async () => {
    const before = await redis.xlen(stream);
    const big = { ...email('big'), metadata: { note: 'é'.repeat(600) } }; // 1200 bytes of UTF-8 in the note alone
    const answer = await publish(url(), { stream, event_id: eventId('too-large'), payload: big });
    expect(answer.status).toBe(413);
    expect(answer.body.message).toMatch(/at most 1024/);
    // A body over the API's 4 MiB body limit is refused by the body parser, with 413 as well.
    const huge = { ...email('huge'), metadata: { note: 'x'.repeat(5 * 1024 * 1024) } };
    expect((await publish(url(), { stream, payload: huge })).status).toBe(413);
    const fits = { ...email('fits'), metadata: { note: 'e'.repeat(600) } };
    expect((await publish(url(), { stream, payload: fits })).status).toBe(201);
    expect(await redis.xlen(stream)).toBe(before + 1);
  });

  it('a repeat with the same event_id answers the first id and writes one entry, even concurrently', async () => {
    const before = await redis.xlen(stream);
    const id = eventId('repeat');
    const first = await publish(url(), { stream, event_id: id, payload: email('repeat') });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // The same event again: by stream, by type, keys in another order.
    const reordered = { has_attachments: true, priority: 'high', category: 'medical', email_id: 'repeat' };
    for (const body of [
      { stream, event_id: id, payload: email('repeat') },
      { type: TYPE, event_id: id, payload: reordered },
    ]) {
      const again = await publish(url(), body);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    }
    // The same event_id for another event is a conflict, not a silent replay.
    const conflict = await publish(url(), { stream, event_id: id, payload: email('other') });
    expect(conflict.status).toBe(409);
    expect(await redis.xlen(stream)).toBe(before + 1);

    const racing = eventId('race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        publish(url(), { type: TYPE, event_id: racing, payload: email('race') }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 8 }, () => 201));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(answers.filter((answer) => answer.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    expect(await redis.xlen(stream)).toBe(before + 2);

    await waitFor(() => handledWith(racing).length === 1 && handledWith(id).length === 1, 'both handled');
    expect(handledWith(id)[0].data).toEqual(email('repeat'));
    // The window is the marker's TTL (24 h by default).
    const ttl = await redis.pttl(PublishMarkerStore.key(stream, id));
    expect(ttl).toBeGreaterThan(23 * 3600 * 1000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);
  });

  it('a claim left by a publisher that died before its XADD blocks the event_id only for the pending lease', async () => {
    const markers = new PublishMarkerStore(redis);
    const payload = email('crashed');
    const before = await redis.xlen(stream);
    // Another API process claimed these event_ids and died before writing (its lease: 60 s, or 300 ms here).
    const blocked = eventId('crashed-long');
    const lapsing = eventId('crashed-short');
    const fingerprint = payloadFingerprint(TYPE, payload);
    expect((await markers.claim(stream, blocked, fingerprint, 60_000)).kind).toBe('claimed');
    expect((await markers.claim(stream, lapsing, fingerprint, 300)).kind).toBe('claimed');

    const started = Date.now();
    const waited = await publish(url(), { stream, event_id: blocked, payload });
    expect(waited.status).toBe(409);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    expect(await redis.xlen(stream)).toBe(before);

    const retried = await publish(url(), { stream, event_id: lapsing, payload });
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await redis.xlen(stream)).toBe(before + 1);
    const again = await publish(url(), { stream, event_id: lapsing, payload });
    expect(again.body).toEqual(retried.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  describe('without PUBLISH_TOKEN', () => {
    it('refuses every request with 503 and writes nothing', async () => {
      const closed = await startApi({ PUBLISH_TOKEN: undefined, PUBLISH_OPEN: undefined });
      try {
        const before = await redis.xlen(stream);
        for (const authorization of [null, `Bearer ${TOKEN}`, 'Bearer ']) {
          const answer = await publish(closed.url, { stream, payload: email('closed') }, authorization);
          expect(answer.status).toBe(503);
          expect(answer.body.message).toMatch(/PUBLISH_TOKEN/);
        }
        expect(await redis.xlen(stream)).toBe(before);
      } finally {
        await closed.app.close();
      }
    });

    it('accepts events without a token when opened for development with PUBLISH_OPEN=true', async () => {
      const open = await startApi({ PUBLISH_TOKEN: undefined, PUBLISH_OPEN: 'true' });
      try {
        const before = await redis.xlen(otherStream);
        const answer = await publish(
          open.url,
          { type: OTHER_TYPE, payload: { service: 'n8n', reason: 'no heartbeat' } },
          null,
        );
        expect(answer.status).toBe(201);
        expect(answer.body).toEqual({
          id: expect.stringMatching(/^\d+-\d+$/) as unknown,
          stream: otherStream,
        });
        expect(await redis.xlen(otherStream)).toBe(before + 1);
      } finally {
        await open.app.close();
      }
    });
  });
});
