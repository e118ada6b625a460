import { IncomingMessage, request } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { INGESTION_QUEUE_STREAM } from '@app/contracts';
import { WebSocket } from 'ws';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { BEARER_PROTOCOL_PREFIX, EVENTS_WS_PROTOCOL } from '../../apps/api/src/events/events-ws-auth';
import { AppRun, endOf, killApp, runApp } from '../support/app-process';
import { uniqueName } from '../support/names';
import { freePort } from '../support/redis-server';
import { SHIELD_KEYS, listen } from '../support/shield-apps';
import { waitFor } from '../support/wait';

/**
 * Safe by default in production: with NODE_ENV=production the API (its real entry point, main.ts) refuses to start
 * while `/dlq` or the live-event endpoints would be open, naming the variable; with the tokens set, `/dlq`,
 * `/events/stream` (SSE) and `/events/ws` (WebSocket) answer 401 without or with a wrong token and serve with the
 * right one (the WebSocket by header or by the subprotocol a browser can send).
 */

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const EVENTS_TOKEN = 'events-token-0123456789abcdef';
const ENV = { NODE_ENV: 'production', ADMIN_TOKEN, EVENTS_TOKEN } as const;

/** The status and headers of a GET that may stream (SSE): the response is not read to its end. */
function head(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      resolve(res);
      req.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

/** How a WebSocket handshake ended: opened (with the subprotocol the server chose) or refused with an HTTP status. */
function handshake(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {},
): Promise<{ opened: true; protocol: string; socket: WebSocket } | { opened: false; status: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    socket.once('open', () => resolve({ opened: true, protocol: socket.protocol, socket }));
    socket.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('NODE_ENV=production: the API refuses open operation and live-event endpoints', () => {
  const runs: AppRun[] = [];

  afterEach(async () => {
    for (const run of runs.splice(0)) {
      await killApp(run);
    }
  });

  it.each([
    [{}, 'NODE_ENV=production requires ADMIN_TOKEN and EVENTS_TOKEN'],
    [{ ADMIN_TOKEN }, 'NODE_ENV=production requires EVENTS_TOKEN (unset, /events/stream and /events/ws show'],
    [{ EVENTS_TOKEN }, 'NODE_ENV=production requires ADMIN_TOKEN (unset, /dlq shows'],
    [{ ADMIN_TOKEN, EVENTS_TOKEN: 'short' }, 'EVENTS_TOKEN must be at least 16 characters long'],
  ])(
    'main.ts with %p exits 1 saying %p',
    async (tokens, message) => {
      const port = await freePort();
      const run = runApp('apps/api/src/main.ts', {
        REDIS_URL: process.env.REDIS_URL as string,
        PORT: String(port),
        NODE_ENV: 'production',
        ADMIN_TOKEN: '',
        EVENTS_TOKEN: '',
        ...tokens,
      });
      runs.push(run);
      const ended = await endOf(run, 30_000);
      expect(ended.output).toContain(`api failed to start: invalid environment: ${message}`);
      expect(ended.code).toBe(1);
    },
    40_000,
  );
});

describe('NODE_ENV=production with the tokens: 401 without or with a wrong token, served with the right one', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const saved = Object.fromEntries(Object.keys(ENV).map((name) => [name, process.env[name]]));
  const stream = uniqueName('production-access');
  const sockets: WebSocket[] = [];
  let app: INestApplication;
  let base = '';

  beforeAll(async () => {
    Object.assign(process.env, ENV, { EVENTS_STREAMS: stream });
    app = await createApiApp({ logger: false });
    base = await listen(app);
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.terminate());
    await app?.close();
    for (const [name, value] of Object.entries({ ...saved, EVENTS_STREAMS: undefined })) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
    await redis.del(stream, ...SHIELD_KEYS);
    await redis.quit();
  });

  it('/dlq: 401 without and with a wrong token, 200 with ADMIN_TOKEN (and not with EVENTS_TOKEN)', async () => {
    const get = async (authorization?: string): Promise<number> =>
      (
        await fetch(`${base}/dlq?stream=${encodeURIComponent(INGESTION_QUEUE_STREAM)}`, {
          headers: authorization ? { authorization } : {},
        })
      ).status;
    expect(await get()).toBe(401);
    expect(await get('Bearer wrong-token-0123456789')).toBe(401);
    expect(await get(`Bearer ${EVENTS_TOKEN}`)).toBe(401);
    expect(await get(`Bearer ${ADMIN_TOKEN}`)).toBe(200);
  });

  it('/events/stream: 401 (WWW-Authenticate: Bearer) without and with a wrong token, a stream with EVENTS_TOKEN', async () => {
    const url = `${base}/events/stream?stream=${encodeURIComponent(stream)}`;
    const without = await head(url);
    expect(without.statusCode).toBe(401);
    expect(without.headers['www-authenticate']).toBe('Bearer realm="events"');
    expect((await head(url, { authorization: 'Bearer wrong-token-0123456789' })).statusCode).toBe(401);
    expect((await head(url, { authorization: `Bearer ${ADMIN_TOKEN}` })).statusCode).toBe(401);
    const right = await head(url, { authorization: `Bearer ${EVENTS_TOKEN}` });
    expect(right.statusCode).toBe(200);
    expect(right.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });

  it('/events/ws: the upgrade is refused with 401 without or with a wrong token (header or subprotocol)', async () => {
    const url = `${base.replace('http', 'ws')}/events/ws?stream=${encodeURIComponent(stream)}`;
    const wrong = Buffer.from('wrong-token-0123456789').toString('base64url');
    expect(await handshake(url)).toEqual({ opened: false, status: 401 });
    expect(await handshake(url, [], { authorization: 'Bearer wrong-token-0123456789' })).toEqual({
      opened: false,
      status: 401,
    });
    expect(await handshake(url, [EVENTS_WS_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${wrong}`])).toEqual({
      opened: false,
      status: 401,
    });
    // A token in the query string is not accepted (URLs land in access logs).
    expect(await handshake(`${url}&access_token=${EVENTS_TOKEN}`)).toEqual({ opened: false, status: 401 });
  });

  it('/events/ws: opens with EVENTS_TOKEN as a Bearer header (tools) and as the subprotocol (browsers), events flow', async () => {
    const url = `${base.replace('http', 'ws')}/events/ws?stream=${encodeURIComponent(stream)}`;
    const byHeader = await handshake(url, [], { authorization: `Bearer ${EVENTS_TOKEN}` });
    const encoded = Buffer.from(EVENTS_TOKEN).toString('base64url');
    const byProtocol = await handshake(url, [EVENTS_WS_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${encoded}`]);
    if (!byHeader.opened || !byProtocol.opened) {
      throw new Error(`not opened: ${JSON.stringify([byHeader, byProtocol])}`);
    }
    sockets.push(byHeader.socket, byProtocol.socket);
    // The server answers the non-token subprotocol: the token is never echoed back.
    expect(byProtocol.protocol).toBe(EVENTS_WS_PROTOCOL);
    expect(byHeader.protocol).toBe('');
    const received: string[] = [];
    byProtocol.socket.on('message', (data: Buffer) => received.push(data.toString()));
    // The live stream starts after the connection opens: emit until the browser-style socket sees an event.
    const type = 'access.checked';
    await waitFor(
      async () => {
        await redis.xadd(stream, '*', 'type', type, 'data', '{"ok":true}', 'event_id', uniqueName('ev'));
        return received.some((message) => (JSON.parse(message) as { type?: string }).type === type);
      },
      'an event on the WebSocket opened with the subprotocol token',
      10_000,
      200,
    );
  });
});
