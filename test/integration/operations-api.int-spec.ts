import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys, UnrecoverableEventError } from '@app/redis-streams';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The API app's operations endpoints on a topology of its own (STREAMS_TOPOLOGY = a temporary file): provisioning
 * at start, `/events/stats` (missing, empty, busy stream), `/health/detailed` and the budget in readiness, `/dlq`.
 */
describe('API operations endpoints', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const busy = uniqueName('ops-busy');
  const empty = uniqueName('ops-empty');
  const doomed = uniqueName('ops-doomed');
  const dir = mkdtempSync(join(tmpdir(), 'nrs-ops-'));
  const env = {
    STREAMS_TOPOLOGY: join(dir, 'streams.yaml'),
    HEALTH_MAX_BACKLOG: '3',
    ADMIN_TOKEN: 'test-admin-token',
  };
  const saved: Record<string, string | undefined> = {};
  let app: INestApplication;
  let url = '';

  const call = async (
    path: string,
    init: { method?: string; body?: unknown; token?: string } = {},
  ): Promise<Answer> => {
    const response = await fetch(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        ...(init.token === undefined
          ? { authorization: `Bearer ${env.ADMIN_TOKEN}` }
          : { authorization: init.token }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  beforeAll(async () => {
    writeFileSync(
      env.STREAMS_TOPOLOGY,
      JSON.stringify({
        streams: {
          [busy]: { groups: ['workers', 'auditors'] },
          [empty]: { groups: ['readers'] },
          [doomed]: {},
        },
      }),
    );
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    app = await createApiApp({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${((app.getHttpServer() as Server).address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app.close();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
    const derived = [busy, empty, doomed].flatMap((stream) => [
      StreamKeys.deadLetter(stream),
      StreamKeys.deadLetterLog(stream),
      StreamKeys.retryLane(stream, 'workers'),
    ]);
    await redis.del(busy, empty, doomed, ...derived);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions the topology at start, and /events/stats reports missing, empty and busy streams', async () => {
    await waitFor(async () => (await redis.exists(busy, empty, doomed)) === 3, 'the topology provisioned');
    expect(((await redis.xinfo('GROUPS', busy)) as unknown[]).length).toBe(2);
    await redis.del(doomed);
    for (let i = 0; i < 3; i++) {
      await redis.xadd(busy, '*', 'type', 'ops.test', 'data', JSON.stringify({ i }));
    }
    const first = (await redis.xrange(busy, '-', '+'))[0][0];
    await redis.xreadgroup('GROUP', 'workers', 'w1', 'COUNT', 2, 'STREAMS', busy, '>');

    const { status, body } = await call('/events/stats');
    expect(status).toBe(200);
    const streams = body.streams as Record<string, Record<string, unknown>>;
    expect(streams[doomed]).toEqual({
      exists: false,
      length: 0,
      first_entry: null,
      last_entry: null,
      consumer_groups: [],
      groups: [],
      dead_letters: 0,
    });
    expect(streams[empty]).toMatchObject({
      exists: true,
      length: 0,
      first_entry: null,
      last_entry: null,
      consumer_groups: ['readers'],
    });
    expect(streams[busy]).toMatchObject({
      exists: true,
      length: 3,
      first_entry: first,
      consumer_groups: ['auditors', 'workers'],
    });
    const groups = streams[busy].groups as Array<Record<string, unknown>>;
    expect(groups.find((group) => group.name === 'workers')).toMatchObject({
      pending: 2,
      lag: 1,
      backlog: 3,
    });
    expect(groups.find((group) => group.name === 'auditors')).toMatchObject({
      pending: 0,
      lag: 3,
      backlog: 3,
    });
    expect(typeof body.timestamp).toBe('string');
  });

  it('/health/detailed shows latency and per-stream details; over budget it and readiness are 503', async () => {
    const within = await call('/health/detailed');
    expect(within.status).toBe(200);
    expect(within.body).toMatchObject({ status: 'up', breaches: [] });
    expect(typeof within.body.latencyMs).toBe('number');
    const snapshot = (within.body.streams as Array<Record<string, unknown>>).find((s) => s.stream === busy);
    expect(snapshot).toMatchObject({ length: 3, deadLetters: 0 });
    expect((await call('/health/ready')).status).toBe(200);

    await redis.xadd(busy, '*', 'type', 'ops.test', 'data', '{}'); // backlog 4 > HEALTH_MAX_BACKLOG 3
    const over = await call('/health/detailed');
    expect(over.status).toBe(503);
    expect(over.body.breaches).toEqual(
      expect.arrayContaining([{ stream: busy, group: 'workers', what: 'backlog', value: 4, limit: 3 }]),
    );
    const ready = await call('/health/ready');
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.body)).toContain(`${busy} / workers: backlog 4 > 3`);
    expect((await call('/health/live')).status).toBe(200);
    await redis.xgroup('SETID', busy, 'workers', '$');
    await redis.xgroup('SETID', busy, 'auditors', '$');
  });

  it('/dlq lists, shows, redrives to the original group and purges only with confirm; it needs the admin token', async () => {
    const consumer = await startConsumer(
      [
        eventController(busy, () => {
          throw new UnrecoverableEventError('refused');
        }),
      ],
      { group: 'workers' },
    );
    const client = new ClientRedisStreams();
    try {
      await lastValueFrom(client.emit(busy, { n: 1 }));
      await lastValueFrom(client.emit(busy, { n: 2 }));
      await waitFor(async () => (await redis.xlen(StreamKeys.deadLetter(busy))) === 2, 'two dead letters');
    } finally {
      await consumer.close();
      await client.close();
    }
    const stream = encodeURIComponent(busy);

    expect((await call(`/dlq?stream=${stream}`, { token: '' })).status).toBe(401);
    expect((await call(`/dlq?stream=${stream}`, { token: 'Bearer wrong-token-of-same-len' })).status).toBe(
      401,
    );
    expect((await call(`/dlq?stream=not-in-topology`)).status).toBe(400);

    const listed = await fetch(`${url}/dlq?stream=${stream}&reason=unrecoverable`, {
      headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` },
    });
    const records = (await listed.json()) as Array<{
      id: string;
      group: string;
      fields: Record<string, string>;
    }>;
    expect(records.map((record) => record.group)).toEqual(['workers', 'workers']);
    expect(JSON.parse(records[0].fields.data)).toEqual({ n: 1 });
    expect((await call(`/dlq/${stream}/${records[0].id}`)).body).toMatchObject({ errorMessage: 'refused' });
    expect((await call(`/dlq/${stream}/1-1`)).status).toBe(404);

    const dry = await call('/dlq/redrive', {
      method: 'POST',
      body: { stream: busy, group: 'workers', dryRun: true },
    });
    expect(dry.status).toBe(200);
    expect((dry.body.redriven as unknown[]).length).toBe(2);
    expect(await redis.xlen(StreamKeys.deadLetter(busy))).toBe(2);
    expect((await call('/dlq/redrive', { method: 'POST', body: { stream: busy } })).status).toBe(400);

    const redriven = await call('/dlq/redrive', {
      method: 'POST',
      body: { stream: busy, ids: [records[0].id] },
    });
    expect(redriven.body).toMatchObject({
      redriven: [{ deadLetterId: records[0].id, group: 'workers' }],
      skipped: [],
    });
    expect(await redis.xlen(StreamKeys.retryLane(busy, 'workers'))).toBe(1);
    const [logEntry] = await redis.xrange(StreamKeys.deadLetterLog(busy), '-', '+');
    expect(logEntry[1]).toEqual(
      expect.arrayContaining(['action', 'redrive', 'by', expect.stringMatching(/^api \(/)]),
    );

    const unconfirmed = await call('/dlq/purge', { method: 'POST', body: { stream: busy, all: true } });
    expect(unconfirmed.status).toBe(400);
    expect(JSON.stringify(unconfirmed.body)).toContain('confirm must be true');
    expect(await redis.xlen(StreamKeys.deadLetter(busy))).toBe(1);
    const purged = await call('/dlq/purge', {
      method: 'POST',
      body: { stream: busy, all: true, confirm: true },
    });
    expect(purged.body).toMatchObject({ purged: 1 });
    expect(await redis.xlen(StreamKeys.deadLetter(busy))).toBe(0);
  });
});
