import { ChildProcess } from 'node:child_process';
import { Cluster } from 'ioredis';
import {
  EVENTS_STREAM,
  INGESTION_QUEUE_STREAM,
  LIGHTRAG_WORKERS_GROUP,
  METRICS_COLLECTOR_GROUP,
} from '@app/contracts';
import { StreamKeys } from '@app/redis-streams';
import { spawnTsFixture } from '../support/child-consumer';
import { Sample, parseExposition, valueOf } from '../support/prometheus';
import { PrivateCluster } from '../support/redis-cluster';
import { freePort } from '../support/redis-server';
import { waitFor } from '../support/wait';

const P = 'redis_streams_';
const ADMIN_TOKEN = 'cluster-admin-token';
const PUBLISH_TOKEN = 'cluster-publish-token-0123456789abcdef';

interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One app's real entry point (main.ts) in a child process, with everything it printed. */
interface AppProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function startApp(main: string, env: Record<string, string>): AppProcess {
  const child = spawnTsFixture(main, env, ['ignore', 'pipe', 'pipe']);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => output, exited };
}

async function stopApp(app: AppProcess | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) {
    return;
  }
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
  await app.exited;
  clearTimeout(timer);
}

async function call(
  url: string,
  init?: { method: string; body: unknown; token?: string },
): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: init?.method ?? 'GET',
    headers: {
      authorization: `Bearer ${init?.token ?? ADMIN_TOKEN}`,
      ...(init ? { 'content-type': 'application/json' } : {}),
    },
    body: init ? JSON.stringify(init.body) : undefined,
  });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body };
}

async function scrape(base: string): Promise<Sample[]> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/** Reads an SSE response until `done(text so far)` holds or `timeoutMs` passes; then aborts it. */
async function readSse(url: string, done: (text: string) => boolean, timeoutMs: number): Promise<string> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let text = '';
  try {
    const response = await fetch(url, { signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    while (!done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) {
        break;
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    if (!abort.signal.aborted) {
      throw error;
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return text;
}

/**
 * Issue 15: both demo apps on a Redis Cluster. The real entry points (apps/api/src/main.ts, apps/consumer/src/main.ts)
 * run as child processes with `REDIS_URL=redis+cluster://…`: an ingestion goes through (queue → worker → events →
 * collector), the health probes say up, and the operations endpoints (detailed health, stream stats, metrics, live
 * events, dead letters) answer from the cluster.
 */
describe('api + consumer apps on a Redis Cluster (REDIS_URL=redis+cluster://…)', () => {
  let cluster: PrivateCluster;
  let redis: Cluster;
  let api: AppProcess | undefined;
  let consumer: AppProcess | undefined;
  let apiUrl = '';
  let consumerUrl = '';

  const answering = async (app: AppProcess, url: string): Promise<boolean> => {
    if (app.child.exitCode !== null) {
      throw new Error(`app exited (${app.child.exitCode}):\n${app.output()}`);
    }
    try {
      return (await fetch(`${url}/health`)).status === 200;
    } catch {
      return false;
    }
  };

  const completed = (jobId: string): Promise<Record<string, unknown>> =>
    waitFor(
      async () => {
        const { body } = await call(`${apiUrl}/ingestions/${jobId}`);
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      `job ${jobId} to finish`,
      15_000,
      50,
    );

  beforeAll(async () => {
    cluster = await PrivateCluster.start();
    redis = cluster.connection();
    await waitFor(() => redis.status === 'ready', 'the check connection to be ready', 10_000);
    const [apiPort, consumerPort] = [await freePort(), await freePort()];
    const env = {
      REDIS_URL: cluster.url(),
      STREAMS_TOPOLOGY: '',
      ADMIN_TOKEN,
      PUBLISH_TOKEN,
    };
    consumer = startApp('apps/consumer/src/main.ts', {
      ...env,
      CONSUMER_PORT: String(consumerPort),
      CONSUMER_BLOCK_MS: '200',
    });
    api = startApp('apps/api/src/main.ts', { ...env, PORT: String(apiPort) });
    consumerUrl = `http://127.0.0.1:${consumerPort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const started = Date.now();
    await waitFor(
      () => answering(consumer as AppProcess, consumerUrl),
      'the consumer to be healthy',
      60_000,
      100,
    );
    await waitFor(() => answering(api as AppProcess, apiUrl), 'the API to be healthy', 60_000, 100);
    console.log(
      `cluster apps: both apps healthy on ${cluster.url()} ${Date.now() - started} ms after spawn; ` +
        `${INGESTION_QUEUE_STREAM} on primary ${await cluster.primaryPortOf(INGESTION_QUEUE_STREAM)}, ` +
        `${EVENTS_STREAM} on primary ${await cluster.primaryPortOf(EVENTS_STREAM)}`,
    );
  }, 150_000);

  afterAll(async () => {
    await stopApp(api);
    await stopApp(consumer);
    if (process.env.TEST_LOGS) {
      console.log(`api output:\n${api?.output()}\nconsumer output:\n${consumer?.output()}`);
    }
    redis?.disconnect();
    await cluster?.destroy();
  }, 60_000);

  it('both apps report healthy: /health, /health/live, /health/ready', async () => {
    expect(await call(`${apiUrl}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
    const health = await call(`${consumerUrl}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'ok',
      redis: 'up',
      servers: [
        { group: LIGHTRAG_WORKERS_GROUP, status: 'connected', streams: [INGESTION_QUEUE_STREAM] },
        {
          group: METRICS_COLLECTOR_GROUP,
          status: 'connected',
          streams: [EVENTS_STREAM, INGESTION_QUEUE_STREAM],
        },
      ],
    });
    for (const base of [apiUrl, consumerUrl]) {
      expect(await call(`${base}/health/live`)).toMatchObject({ status: 200, body: { status: 'ok' } });
      await waitFor(async () => (await call(`${base}/health/ready`)).status === 200, `${base} ready`);
    }
    expect((await call(`${apiUrl}/health/ready`)).body).toMatchObject({ info: { redis: { status: 'up' } } });
    expect((await call(`${consumerUrl}/health/ready`)).body).toMatchObject({
      info: { 'redis-streams': { status: 'up' } },
    });
  });

  it('an ingestion posted to the API completes: worker acks, every event counted by the collector', async () => {
    const accepted = await call(`${apiUrl}/ingestions`, {
      method: 'POST',
      body: {
        sourceUri: 'https://example.com/cluster',
        sourceType: 'text',
        content: 'one chunk on a cluster',
      },
    });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.jobId as string;
    expect(await completed(jobId)).toMatchObject({ jobId, status: 'completed', chunkCount: 1 });
    // The job's status hash lives on the primary its hash tag names.
    expect(await redis.hget(`shield:job:{${jobId}}`, 'status')).toBe('completed');

    await waitFor(async () => {
      const counts = (await call(`${consumerUrl}/event-counts`)).body;
      return (
        counts['ingestion.requested'] === 1 &&
        counts['ingestion.started'] === 1 &&
        counts['ingestion.progress'] === 1 &&
        counts['ingestion.completed'] === 1
      );
    }, 'metrics-collector to count the request and started/progress/completed');
    await waitFor(async () => {
      const groups = (await redis.xinfo('GROUPS', INGESTION_QUEUE_STREAM)) as unknown[][];
      const workers = groups.find((group) => group[1] === LIGHTRAG_WORKERS_GROUP);
      return workers !== undefined && Number(workers[workers.indexOf('pending') + 1]) === 0;
    }, 'lightrag-workers to ack the request');
  });

  it('/health/detailed of both apps lists the topology’s streams and groups, up', async () => {
    for (const base of [apiUrl, consumerUrl]) {
      const detailed = await call(`${base}/health/detailed`);
      expect(detailed.status).toBe(200);
      expect(detailed.body).toMatchObject({ status: 'up', breaches: [] });
      const streams = detailed.body.streams as Array<{ stream: string; groups: Array<{ name: string }> }>;
      expect(
        streams.map((stream) => [stream.stream, stream.groups.map((group) => group.name).sort()]),
      ).toEqual([
        [INGESTION_QUEUE_STREAM, [LIGHTRAG_WORKERS_GROUP, METRICS_COLLECTOR_GROUP]],
        [
          EVENTS_STREAM,
          ['ag-ui-frontend', 'dashboard-frontend', METRICS_COLLECTOR_GROUP, 'power-ui-frontend'],
        ],
      ]);
    }
  });

  it('/events/stats and /metrics answer from the cluster', async () => {
    const stats = await call(`${apiUrl}/events/stats`);
    expect(stats.status).toBe(200);
    const streams = stats.body.streams as Record<
      string,
      { exists: boolean; length: number; groups: unknown[] }
    >;
    expect(streams[INGESTION_QUEUE_STREAM]).toMatchObject({ exists: true });
    expect(streams[INGESTION_QUEUE_STREAM].length).toBeGreaterThanOrEqual(1);
    expect(streams[EVENTS_STREAM]).toMatchObject({ exists: true });
    expect(streams[EVENTS_STREAM].length).toBeGreaterThanOrEqual(3);

    const fromApi = await scrape(apiUrl);
    expect(valueOf(fromApi, `${P}up`)).toBe(1);
    expect(valueOf(fromApi, `${P}stream_length`, { stream: EVENTS_STREAM })).toBe(
      streams[EVENTS_STREAM].length,
    );
    const fromConsumer = await scrape(consumerUrl);
    expect(valueOf(fromConsumer, `${P}up`)).toBe(1);
    expect(
      valueOf(fromConsumer, `${P}handled_total`, {
        stream: INGESTION_QUEUE_STREAM,
        group: LIGHTRAG_WORKERS_GROUP,
        pattern: 'ingestion.requested',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('/events/stream (SSE) follows shield:events from the cluster', async () => {
    const text = await readSse(
      `${apiUrl}/events/stream?stream=${encodeURIComponent(EVENTS_STREAM)}&from=0`,
      (seen) => seen.includes('event: ingestion.completed'),
      10_000,
    );
    expect(text).toContain('event: ingestion.started');
    expect(text).toContain('event: ingestion.completed');
  });

  it('/dlq lists a dead letter of the work queue and redrives it to its group', async () => {
    // A flat task without a job id: the worker refuses it for good (UnrecoverableEventError) → dead-lettered.
    await redis.xadd(
      INGESTION_QUEUE_STREAM,
      '*',
      'content',
      'no job id',
      'source_uri',
      'file:///x',
      'source_type',
      'file',
    );
    const dlq = `/dlq?stream=${encodeURIComponent(INGESTION_QUEUE_STREAM)}`;
    const [record] = await waitFor(
      async () => {
        const listed = await call(`${apiUrl}${dlq}`);
        return listed.status === 200 && (listed.body as unknown as unknown[]).length === 1
          ? (listed.body as unknown as Array<{ id: string; group: string; reason: string }>)
          : undefined;
      },
      'the request without a job id to be dead-lettered',
      15_000,
      50,
    );
    expect(record).toMatchObject({ group: LIGHTRAG_WORKERS_GROUP, reason: 'unrecoverable' });
    expect(await redis.xlen(StreamKeys.deadLetter(INGESTION_QUEUE_STREAM))).toBe(1);

    const shown = await call(`${apiUrl}/dlq/${encodeURIComponent(INGESTION_QUEUE_STREAM)}/${record.id}`);
    expect(shown).toMatchObject({ status: 200, body: { id: record.id } });

    const redriven = await call(`${apiUrl}/dlq/redrive`, {
      method: 'POST',
      body: { stream: INGESTION_QUEUE_STREAM, ids: [record.id], by: 'cluster-test' },
    });
    expect(redriven.status).toBe(200);
    expect(redriven.body).toMatchObject({
      dryRun: false,
      redriven: [{ deadLetterId: record.id, group: LIGHTRAG_WORKERS_GROUP }],
      skipped: [],
    });
    // Redelivered through the group's retry lane, refused again: a new dead letter, the old one gone.
    await waitFor(
      async () => {
        const listed = (await call(`${apiUrl}${dlq}`)).body as unknown as Array<{ id: string }>;
        return listed.length === 1 && listed[0].id !== record.id;
      },
      'the redriven request to be dead-lettered again',
      15_000,
      50,
    );
    const purged = await call(`${apiUrl}/dlq/purge`, {
      method: 'POST',
      body: { stream: INGESTION_QUEUE_STREAM, all: true, confirm: true },
    });
    expect(purged).toMatchObject({ status: 200, body: { purged: 1 } });
    expect(await redis.xlen(StreamKeys.deadLetter(INGESTION_QUEUE_STREAM))).toBe(0);
  });

  it('POST /api/v1/events/publish writes once per event_id on the cluster', async () => {
    const eventId = `cluster-${Date.now()}`;
    const body = {
      type: 'email.received',
      event_id: eventId,
      payload: { email_id: 'e-1', category: 'medical', priority: 'high', has_attachments: false },
    };
    const publish = { method: 'POST', body, token: PUBLISH_TOKEN };
    const first = await call(`${apiUrl}/api/v1/events/publish`, publish);
    expect(first.status).toBe(201);
    const stream = first.body.stream as string;
    const again = await call(`${apiUrl}/api/v1/events/publish`, publish);
    expect(again).toEqual({ status: 201, body: first.body });
    const entries = await redis.xrange(stream, '-', '+');
    expect(entries.map(([id]) => id)).toEqual([first.body.id]);
  });
});
