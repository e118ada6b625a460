import { IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { OpenStreams } from '../../apps/api/src/events/open-streams';
import { uniqueName } from '../support/names';
import { waitFor } from '../support/wait';

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** A Server-Sent Events client on node:http, keeping every message and comment line. */
class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: IncomingHttpHeaders = {};
  body = '';
  ended = false;
  private destroy: () => void = () => undefined;

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          client.body += chunk;
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
            client.take(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
        res.on('close', () => (client.ended = true));
        resolve(client);
      });
      req.on('error', (error) => (client.ended ? undefined : reject(error)));
      client.destroy = () => req.destroy();
      req.end();
    });
  }

  close(): void {
    this.destroy();
  }

  payloads(): Array<Record<string, unknown>> {
    return this.messages.map((message) => JSON.parse(message.data) as Record<string, unknown>);
  }

  private take(block: string): void {
    const message: SseMessage = { data: '' };
    for (const line of block.split('\n')) {
      const [name, value] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()];
      if (name === '') {
        this.comments.push(value);
      } else if (name === 'id' || name === 'event' || name === 'data') {
        message[name] = value;
      }
    }
    if (message.data !== '') {
      this.messages.push(message);
    }
  }
}

/** A WebSocket client keeping every JSON message and how the socket closed. */
class WsClient {
  readonly messages: Array<Record<string, unknown>> = [];
  closed: { code: number; reason: string } | undefined;
  readonly socket: WebSocket;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    });
    this.socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.socket.on('error', () => undefined);
  }

  ids(): unknown[] {
    return this.messages.map((message) => message.id);
  }
}

/** The `message` of a JSON error body. */
function messageOf(client: SseClient): unknown {
  return (JSON.parse(client.body) as { message: unknown }).message;
}

const ENV_NAMES = ['EVENTS_STREAMS', 'EVENTS_HEARTBEAT_MS', 'EVENTS_MAX_STREAMS'] as const;

describe('live events: GET /events/stream (SSE) and /events/ws (WebSocket)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const streams = Array.from({ length: 10 }, (_, i) => uniqueName(`events-live-${i}`));
  const [replay, shared, filtered, missing, released, limited, wsReplay, wsShared, closing, notStream] =
    streams;
  const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
  const clients: Array<{ close(): void }> = [];
  let app: INestApplication;
  let small: INestApplication | undefined;
  let base = '';
  let smallBase = '';

  const startApp = async (
    env: Record<(typeof ENV_NAMES)[number], string>,
  ): Promise<[INestApplication, string]> => {
    Object.assign(process.env, env);
    const started = await createApiApp({ logger: false });
    await started.listen(0, '127.0.0.1');
    const { port } = started.getHttpServer().address() as AddressInfo;
    return [started, `127.0.0.1:${port}`];
  };
  const sse = async (query: string, headers?: Record<string, string>, on = base): Promise<SseClient> => {
    const client = await SseClient.open(`http://${on}/events/stream?${query}`, headers);
    clients.push(client);
    return client;
  };
  const ws = (query: string, on = base): WsClient => {
    const client = new WsClient(`ws://${on}/events/ws?${query}`);
    clients.push({ close: () => client.socket.terminate() });
    return client;
  };
  /** Writes an event the way this library does (envelope fields) and returns its entry id. */
  const emit = async (stream: string, type: string, data: unknown, headers?: object): Promise<string> => {
    const fields = ['type', type, 'data', JSON.stringify(data), 'event_id', `${type}-${Date.now()}`];
    fields.push(
      'timestamp',
      new Date().toISOString(),
      ...(headers ? ['headers', JSON.stringify(headers)] : []),
    );
    return (await redis.xadd(stream, '*', ...fields)) as string;
  };
  /** Tail connections of a stream (`CLIENT SETNAME tail:<stream>`); `reading`: blocked in XREAD. */
  const tails = async (stream: string, reading = false): Promise<number> => {
    const list = (await redis.client('LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.includes(` name=tail:${stream} `) && (!reading || line.includes(' cmd=xread')))
      .length;
  };
  const ids = (client: SseClient): Array<string | undefined> => client.messages.map((message) => message.id);

  beforeAll(async () => {
    const env = { EVENTS_STREAMS: streams.join(','), EVENTS_HEARTBEAT_MS: '200', EVENTS_MAX_STREAMS: '100' };
    [app, base] = await startApp(env);
    [small, smallBase] = await startApp({ ...env, EVENTS_MAX_STREAMS: '1' });
    for (const name of ENV_NAMES) {
      if (savedEnv[name] === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = savedEnv[name];
      }
    }
  });

  afterEach(() => {
    clients.splice(0).forEach((client) => client.close());
  });

  afterAll(async () => {
    await app?.close();
    await small?.close();
    await redis.del(...streams);
    await redis.quit();
  });

  it('replays the entries after ?from=<id>, then follows live ones; frames carry id, event and the JSON view', async () => {
    const first = await emit(replay, 'ingestion.started', { n: 1 });
    const second = await emit(replay, 'ingestion.progress', { n: 2 }, { source: 'api' });
    const client = await sse(`stream=${replay}&from=${first}`);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toMatch(/^text\/event-stream/);
    await waitFor(() => client.messages.length === 1, 'the replayed entry');
    const live = await emit(replay, 'ingestion.completed', { n: 3 });
    await waitFor(() => client.messages.length === 2, 'the live entry');
    expect(client.messages.map(({ id, event }) => ({ id, event }))).toEqual([
      { id: second, event: 'ingestion.progress' },
      { id: live, event: 'ingestion.completed' },
    ]);
    const [withHeaders, withoutHeaders] = client.payloads();
    expect(Object.keys(withHeaders)).toEqual(['event_id', 'type', 'timestamp', 'data', 'headers']);
    expect(withHeaders).toMatchObject({
      type: 'ingestion.progress',
      data: { n: 2 },
      headers: { source: 'api' },
    });
    expect(withHeaders.event_id).toMatch(/^ingestion\.progress-/);
    expect(new Date(withHeaders.timestamp as string).getTime()).toBeGreaterThan(0);
    expect(Object.keys(withoutHeaders)).toEqual(['event_id', 'type', 'timestamp', 'data']);
  });

  it('resumes after Last-Event-ID (a browser reconnect; it wins over ?from), replays all with ?from=0 or ?last_id=0', async () => {
    const all = (await redis.xrange(replay, '-', '+')).map(([id]) => id);
    const resumed = await sse(`stream=${replay}&from=0`, { 'Last-Event-ID': all[0] });
    const full = await sse(`stream=${replay}&from=0`);
    const seed = await sse(`stream=${replay}&last_id=0`);
    await waitFor(() => resumed.messages.length === all.length - 1, 'the resumed replay');
    await waitFor(
      () => full.messages.length === all.length && seed.messages.length === all.length,
      'full replays',
    );
    expect(ids(resumed)).toEqual(all.slice(1));
    expect(ids(full)).toEqual(all);
    expect(ids(seed)).toEqual(all);
  });

  it('two SSE clients at once both get every new event (no consumer group splitting them), with heartbeats', async () => {
    await emit(shared, 'ingestion.started', { before: true });
    const one = await sse(`stream=${shared}`);
    const two = await sse(`stream=${shared}`);
    await waitFor(async () => (await tails(shared, true)) === 2, 'both tails to be reading');
    const written: string[] = [];
    for (let i = 0; i < 20; i++) {
      written.push(await emit(shared, 'ingestion.progress', { i }));
    }
    await waitFor(
      () => one.messages.length === 20 && two.messages.length === 20,
      'every event on both clients',
    );
    expect(ids(one)).toEqual(written);
    expect(ids(two)).toEqual(written);
    await waitFor(() => one.comments.includes('heartbeat'), 'a heartbeat comment');
  });

  it('keeps only the asked types (exact and prefix*)', async () => {
    const client = await sse(`stream=${filtered}&from=0&type=audit.login,ingestion.*`);
    await emit(filtered, 'billing.charged', {});
    const kept = [await emit(filtered, 'ingestion.started', {}), await emit(filtered, 'audit.login', {})];
    await emit(filtered, 'audit.logout', {});
    const last = await emit(filtered, 'ingestion.completed', {});
    await waitFor(() => client.messages.length === 3, 'the matching events');
    expect(ids(client)).toEqual([...kept, last]);
  });

  it('waits for a stream that does not exist yet, and passes on flat and malformed entries', async () => {
    expect(await redis.exists(missing)).toBe(0);
    const client = await sse(`stream=${missing}`);
    await waitFor(async () => (await tails(missing, true)) === 1, 'the tail to be reading');
    await redis.xadd(missing, '*', 'job_id', 'j1', 'metadata', '{"owner":"ops"}');
    await redis.xadd(missing, '*', 'type', 'broken', 'data', 'not json');
    await waitFor(() => client.messages.length === 2, 'both entries');
    expect(client.messages[0].event).toBe(missing);
    expect(client.payloads()).toEqual([
      { event_id: null, type: missing, timestamp: null, data: { job_id: 'j1', metadata: { owner: 'ops' } } },
      { event_id: null, type: 'broken', timestamp: null, data: 'not json', malformed: 'invalid-json' },
    ]);
  });

  it('a client disconnect stops its reader: no tail connection left, the open-stream count back to 0', async () => {
    const openStreams = app.get(OpenStreams);
    const client = await sse(`stream=${released}`);
    await waitFor(async () => (await tails(released)) === 1, 'the tail connection');
    expect(openStreams.count).toBe(1);
    client.close();
    await waitFor(
      async () => (await tails(released)) === 0 && openStreams.count === 0,
      'the reader to close',
    );
  });

  it('refuses past EVENTS_MAX_STREAMS (SSE 503 + Retry-After, WebSocket 1013), and serves again once freed', async () => {
    const holder = await sse(`stream=${limited}`, {}, smallBase);
    expect(holder.status).toBe(200);
    const refused = await sse(`stream=${limited}`, {}, smallBase);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    await waitFor(() => refused.ended, 'the 503 body');
    expect(JSON.parse(refused.body)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(messageOf(refused)).toMatch(/too many live event streams open \(limit 1\)/);
    const socket = ws(`stream=${limited}`, smallBase);
    await waitFor(() => socket.closed, 'the WebSocket to be closed');
    expect(socket.closed?.code).toBe(1013);
    expect(socket.closed?.reason).toMatch(/too many/);
    holder.close();
    await waitFor(() => small?.get(OpenStreams).count === 0, 'the slot to be freed');
    expect((await sse(`stream=${limited}`, {}, smallBase)).status).toBe(200);
  });

  it('answers 400 to an invalid from, an unknown stream or a bad type (SSE), closes 1008 (WebSocket)', async () => {
    const badFrom = await sse(`stream=${replay}&from=yesterday`);
    const unknown = await sse('stream=shield:secrets');
    const badType = await sse(`stream=${replay}&type=a*b`);
    await waitFor(() => badFrom.ended && unknown.ended && badType.ended, 'the 400 bodies');
    expect([badFrom.status, unknown.status, badType.status]).toEqual([400, 400, 400]);
    expect(messageOf(badFrom)).toMatch(/^from must be "\$".*got "yesterday"/);
    expect(messageOf(unknown)).toMatch(/stream "shield:secrets" is not served here/);
    const socket = ws(`stream=${replay}&from=-1`);
    await waitFor(() => socket.closed, 'the WebSocket to be closed');
    expect(socket.closed?.code).toBe(1008);
    expect(socket.closed?.reason).toMatch(/^from must be/);
    expect(app.get(OpenStreams).count).toBe(0);
  });

  it('WebSocket: replays after ?from, then follows live events, as JSON text frames', async () => {
    const first = await emit(wsReplay, 'ingestion.started', { n: 1 });
    const second = await emit(wsReplay, 'ingestion.progress', { n: 2 });
    const socket = ws(`stream=${wsReplay}&from=${first}`);
    await waitFor(() => socket.messages.length === 1, 'the replayed entry');
    const live = await emit(wsReplay, 'ingestion.completed', { n: 3 });
    await waitFor(() => socket.messages.length === 2, 'the live entry');
    expect(socket.ids()).toEqual([second, live]);
    expect(Object.keys(socket.messages[1])).toEqual(['id', 'event_id', 'type', 'timestamp', 'data']);
    expect(socket.messages[1]).toMatchObject({ id: live, type: 'ingestion.completed', data: { n: 3 } });
    expect(socket.messages[1].event_id).toMatch(/^ingestion\.completed-/);
  });

  it('WebSocket: two clients both get every event, and are pinged', async () => {
    const one = ws(`stream=${wsShared}`);
    const two = ws(`stream=${wsShared}`);
    let pings = 0;
    one.socket.on('ping', () => pings++);
    await waitFor(async () => (await tails(wsShared, true)) === 2, 'both tails to be reading');
    const written: string[] = [];
    for (let i = 0; i < 20; i++) {
      written.push(await emit(wsShared, 'ingestion.progress', { i }));
    }
    await waitFor(() => one.messages.length === 20 && two.messages.length === 20, 'every event on both');
    expect(one.ids()).toEqual(written);
    expect(two.ids()).toEqual(written);
    await waitFor(() => pings > 0, 'a ping frame');
  });

  it('a key that is not a stream ends the SSE response and closes the WebSocket with 1011', async () => {
    await redis.set(notStream, 'a string');
    const client = await sse(`stream=${notStream}&from=0`);
    const socket = ws(`stream=${notStream}&from=0`);
    await waitFor(() => client.ended && socket.closed, 'both to be ended');
    expect(client.status).toBe(200);
    expect(socket.closed).toEqual({ code: 1011, reason: 'event stream failed' });
    await waitFor(
      async () => (await tails(notStream)) === 0 && app.get(OpenStreams).count === 0,
      'the readers closed',
    );
  });

  it('closing the app ends the open streams (no hang) and closes their readers', async () => {
    await waitFor(() => small?.get(OpenStreams).count === 0, 'the small app to have a free slot');
    const client = await sse(`stream=${closing}`, {}, smallBase);
    await waitFor(async () => (await tails(closing, true)) === 1, 'the tail to be reading');
    await small?.close();
    small = undefined;
    await waitFor(() => client.ended, 'the SSE response to end');
    await waitFor(async () => (await tails(closing)) === 0, 'the tail connection to close');
  });
});
