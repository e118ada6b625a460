import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { EVENTS_STREAM, INGESTION_QUEUE_STREAM, LIGHTRAG_WORKERS_GROUP } from '@app/contracts';
import { EVENT_COUNTS_KEY, jobKey } from '@app/shield-platform';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { ConsumerApp, createConsumerApp } from '../../apps/consumer/src/create-consumer-app';
import { chunkText } from '../../apps/consumer/src/ingestion/chunker';
import { uniqueName } from '../support/names';
import { SHIELD_KEYS, appLogger, listen } from '../support/shield-apps';
import { waitFor } from '../support/wait';

// The topology is fixed (shield:ingestion_queue, shield:events, fixed groups), so this file owns those keys: it
// deletes them before and after. Integration files run one at a time (--runInBand).

const logger = appLogger;

interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function call(url: string, init?: { method: string; body: unknown }): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: init ? { 'content-type': 'application/json' } : undefined,
    body: init ? JSON.stringify(init.body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** `XINFO GROUPS` as one object per group. */
async function groupsOf(redis: Redis, stream: string): Promise<Array<Record<string, unknown>>> {
  const reply = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  return reply.map((fields) => {
    const group: Record<string, unknown> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) {
      group[String(fields[i])] = fields[i + 1];
    }
    return group;
  });
}

const paragraph = (word: string): string => Array.from({ length: 120 }, () => word).join(' ');

describe('api + consumer apps, in process, on the shield topology', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const jobIds: string[] = [];
  let api: INestApplication | undefined;
  let apiUrl = '';
  let consumer: ConsumerApp | undefined;
  let consumerUrl = '';

  const startApi = async (): Promise<void> => {
    api = await createApiApp({ logger });
    apiUrl = await listen(api);
  };
  const post = (body: unknown): Promise<HttpAnswer> => call(`${apiUrl}/ingestions`, { method: 'POST', body });
  const statusOf = (jobId: string): Promise<HttpAnswer> => call(`${apiUrl}/ingestions/${jobId}`);
  const counts = async (): Promise<Record<string, number>> =>
    (await call(`${consumerUrl}/event-counts`)).body as Record<string, number>;
  const completed = async (jobId: string, timeoutMs = 2000): Promise<Record<string, unknown>> =>
    waitFor(
      async () => {
        const { body } = await statusOf(jobId);
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      `job ${jobId} to finish`,
      timeoutMs,
      10,
    );

  beforeAll(async () => {
    await redis.del(...SHIELD_KEYS);
    consumer = await createConsumerApp({ logger, blockMs: 200 });
    await consumer.app.startAllMicroservices();
    consumerUrl = await listen(consumer.app);
    await startApi();
  });

  afterAll(async () => {
    await api?.close();
    await consumer?.app.close();
    await redis.del(...SHIELD_KEYS, ...jobIds.map(jobKey));
    await redis.quit();
  });

  it('both apps report healthy', async () => {
    expect(await call(`${apiUrl}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
    const health = await call(`${consumerUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      redis: 'up',
      servers: [
        { group: 'lightrag-workers', status: 'connected', streams: [INGESTION_QUEUE_STREAM] },
        { group: 'metrics-collector', status: 'connected', streams: [EVENTS_STREAM, INGESTION_QUEUE_STREAM] },
      ],
    });
  });

  it('both apps answer the Kubernetes probes /health/live and /health/ready (Terminus)', async () => {
    for (const base of [apiUrl, consumerUrl]) {
      expect(await call(`${base}/health/live`)).toMatchObject({ status: 200, body: { status: 'ok' } });
      await waitFor(async () => (await call(`${base}/health/ready`)).status === 200, `${base} ready`);
    }
    const ready = await call(`${consumerUrl}/health/ready`);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: {
        'redis-streams': {
          status: 'up',
          servers: [{ group: 'lightrag-workers' }, { group: 'metrics-collector' }],
        },
      },
    });
    expect((await call(`${apiUrl}/health/ready`)).body).toMatchObject({ info: { redis: { status: 'up' } } });
  });

  it('both apps provision the seed topology and report it on /health/detailed', async () => {
    for (const base of [apiUrl, consumerUrl]) {
      const detailed = await call(`${base}/health/detailed`);
      expect(detailed.status).toBe(200);
      expect(detailed.body).toMatchObject({ status: 'up', breaches: [] });
      const streams = detailed.body.streams as Array<{ stream: string; groups: Array<{ name: string }> }>;
      expect(
        streams.map((stream) => [stream.stream, stream.groups.map((group) => group.name).sort()]),
      ).toEqual([
        [INGESTION_QUEUE_STREAM, ['lightrag-workers', 'metrics-collector']],
        [EVENTS_STREAM, ['ag-ui-frontend', 'dashboard-frontend', 'metrics-collector', 'power-ui-frontend']],
      ]);
    }
  });

  it('a valid request → 202 jobId → completed within 2 s, acked, and its events counted', async () => {
    const content = [paragraph('alpha'), paragraph('beta'), paragraph('gamma')].join('\n\n');
    const chunkCount = chunkText(content).length;
    expect(chunkCount).toBe(3);

    const accepted = await post({
      sourceUri: 'https://example.com/doc',
      sourceType: 'web',
      content,
      metadata: { lang: 'en' },
    });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.jobId as string;
    jobIds.push(jobId);
    expect(jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const finished = await completed(jobId);
    expect(finished).toEqual({ jobId, status: 'completed', chunkCount, updatedAt: finished.updatedAt });
    expect(Date.now() - new Date(finished.updatedAt as string).getTime()).toBeLessThan(5000);

    const [entry] = await redis.xrange(INGESTION_QUEUE_STREAM, '-', '+');
    const fields = Object.fromEntries(
      entry[1].flatMap((value, i, all) => (i % 2 === 0 ? [[value, all[i + 1]]] : [])),
    ) as Record<string, string>;
    // The work queue is written flat, in the seed's task layout (issue 13): what the Python workers parse.
    expect(fields).toEqual({
      job_id: jobId,
      chunk_id: `${jobId}:0`,
      content,
      source_uri: 'https://example.com/doc',
      source_type: 'web',
      metadata: '{"lang":"en"}',
      retry_count: '0',
      timestamp: fields.timestamp,
    });

    await waitFor(async () => {
      const groups = await groupsOf(redis, INGESTION_QUEUE_STREAM);
      const workers = groups.find((g) => g.name === LIGHTRAG_WORKERS_GROUP);
      return workers?.pending === 0 && workers['last-delivered-id'] === entry[0];
    }, 'lightrag-workers to ack the request');
    await waitFor(async () => {
      const seen = await counts();
      return (
        seen['ingestion.started'] === 1 &&
        seen['ingestion.progress'] === chunkCount &&
        seen['ingestion.completed'] === 1
      );
    }, 'metrics-collector to count started/progress/completed');
    await waitFor(
      async () => (await counts())['ingestion.requested'] === 1,
      'metrics-collector to count the request',
    );
    expect(await redis.hgetall(EVENT_COUNTS_KEY)).toEqual({
      'ingestion.requested': '1',
      'ingestion.started': '1',
      'ingestion.progress': String(chunkCount),
      'ingestion.completed': '1',
    });
  });

  it('a bad body → 400 with every message, and nothing is queued', async () => {
    const before = await redis.xlen(INGESTION_QUEUE_STREAM);
    const answer = await post({ sourceUri: 'not a url', sourceType: 'pdf', content: '', priority: 1 });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toEqual(
      expect.arrayContaining([
        'property priority should not exist',
        'sourceUri must be an absolute URL',
        'sourceType must be one of: web, file, text, api',
        'content must not be empty or blank',
      ]),
    );
    expect(
      (await post({ sourceUri: 'https://x.example', sourceType: 'web', content: 'x', metadata: [1] })).status,
    ).toBe(400);
    expect(await redis.xlen(INGESTION_QUEUE_STREAM)).toBe(before);
  });

  it('an unknown job → 404', async () => {
    expect((await statusOf('00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('a 1 MiB multi-byte content is accepted and processed', async () => {
    const content = '€uro '.repeat(Math.floor((1024 * 1024) / 7)); // 7 UTF-8 bytes each, just under 1 MiB
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(1024 * 1024);
    const accepted = await post({ sourceUri: 'http://files.internal/big.txt', sourceType: 'file', content });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.jobId as string;
    jobIds.push(jobId);
    expect(await completed(jobId, 10_000)).toMatchObject({
      status: 'completed',
      chunkCount: chunkText(content).length,
    });
  });

  it('the status survives a restart of the API', async () => {
    const accepted = await post({
      sourceUri: 'https://example.com/r',
      sourceType: 'text',
      content: 'restart me',
    });
    const jobId = accepted.body.jobId as string;
    jobIds.push(jobId);
    const before = await completed(jobId);

    await api?.close();
    await startApi();
    expect(await statusOf(jobId)).toEqual({ status: 200, body: before });
  });

  it('a duplicate delivery of a completed job leaves it completed (status never moves back)', async () => {
    const accepted = await post({ sourceUri: 'https://example.com/d', sourceType: 'api', content: 'twice' });
    const jobId = accepted.body.jobId as string;
    jobIds.push(jobId);
    const before = await completed(jobId);
    const handled = consumer?.workers.getStats().handled ?? 0;

    const entries = await redis.xrange(INGESTION_QUEUE_STREAM, '-', '+');
    const original = entries.find(([, fields]) => fields.includes(jobId));
    await redis.xadd(INGESTION_QUEUE_STREAM, '*', ...(original?.[1] ?? []));
    await waitFor(() => (consumer?.workers.getStats().handled ?? 0) > handled, 'the duplicate to be handled');

    expect(await statusOf(jobId)).toEqual({ status: 200, body: before });
  });

  it('counts an event written the Python way (seed 000 emit_event) on shield:events', async () => {
    await redis.xadd(
      EVENTS_STREAM,
      '*',
      'event_id',
      '6f1c3a52-4a0e-4f4b-9d63-1a2b3c4d5e6f',
      'type',
      'ingestion.queued',
      'timestamp',
      new Date().toISOString(),
      'job_id',
      'py-job',
      'data',
      '{}',
      'metadata',
      '{}',
    );
    await waitFor(async () => (await counts())['ingestion.queued'] === 1, 'the Python event to be counted');
  });

  it('processes a Python flat task (seed 000 add_task, snake_case) from the queue', async () => {
    const jobId = uniqueName('py-job');
    jobIds.push(jobId);
    const task = {
      job_id: jobId,
      chunk_id: 'c-0',
      content: 'text from the python producer',
      source_uri: 'file:///srv/docs/a.txt',
      source_type: 'file',
      metadata: '{"owner":"ops"}',
      retry_count: '0',
      timestamp: new Date().toISOString(),
    };
    await redis.xadd(INGESTION_QUEUE_STREAM, '*', ...Object.entries(task).flat());
    expect(await completed(jobId)).toMatchObject({ jobId, status: 'completed', chunkCount: 1 });
  });

  it('fails a job for good when its content is blank: status failed, ingestion.failed emitted, entry acked', async () => {
    const jobId = uniqueName('py-blank');
    jobIds.push(jobId);
    const failedBefore = (await counts())['ingestion.failed'] ?? 0;
    await redis.xadd(
      INGESTION_QUEUE_STREAM,
      '*',
      ...[
        'job_id',
        jobId,
        'content',
        '   ',
        'source_uri',
        'file:///x',
        'source_type',
        'file',
        'metadata',
        '{}',
      ],
    );
    expect(await completed(jobId)).toMatchObject({ jobId, status: 'failed', error: 'content is blank' });
    await waitFor(
      async () => (await counts())['ingestion.failed'] === failedBefore + 1,
      'ingestion.failed to be counted',
    );
    await waitFor(async () => {
      const groups = await groupsOf(redis, INGESTION_QUEUE_STREAM);
      return groups.find((g) => g.name === LIGHTRAG_WORKERS_GROUP)?.pending === 0;
    }, 'the blank request to be acked');
  });
});
