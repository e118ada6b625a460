import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  EVENTS_STREAM,
  INGESTION_QUEUE_STREAM,
  LIGHTRAG_WORKERS_GROUP,
  routes as shieldRoutes,
} from '@app/contracts';
import { ClientRedisStreams, RedisStreamsRecord, StreamRoute } from '@app/redis-streams';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { ConsumerApp, createConsumerApp } from '../../apps/consumer/src/create-consumer-app';
import { uniqueName } from '../support/names';
import { PythonProcess, PythonRun, findPythonWithRedis, runPython, startPython } from '../support/python';
import { PrivateRedis } from '../support/redis-server';
import { appLogger, listen } from '../support/shield-apps';
import { waitFor } from '../support/wait';
import { SEED_TASK_FIELDS } from '../support/seed-layouts';

// The users' Python services and the Nest apps on the same streams, both ways (issue 13 items 1–2). The apps' stream
// and group names are fixed (shield:ingestion_queue, shield:events, lightrag-workers …), so everything runs against a
// private redis-server: nothing collides with other files or runs. The Python side is test/python/ (redis-py with
// decode_responses=True, the seed's parsing); .ci/run installs Debian's python3-redis, so CI never skips this file.

const python = findPythonWithRedis();
if (!python) {
  console.warn(
    'python-interop.int-spec.ts SKIPPED: no python3 that can `import redis` (apt-get install -y python3-redis)',
  );
}
const describeWithPython = python ? describe : describe.skip;

/** The Python reader's group on shield:events (its own: the seed's frontends each have theirs). */
const PYTHON_EVENTS_GROUP = 'python-interop-readers';
const READER_TIMEOUT_S = 30;

interface ParsedTask {
  message_id: string;
  job_id: string;
  chunk_id: string;
  content: string;
  source_uri: string;
  source_type: string;
  metadata: unknown;
  retry_count: unknown;
  timestamp: string;
}

interface ParsedEvent {
  message_id: string;
  event_id: string;
  type: string;
  timestamp: string;
  job_id: string;
  data: Record<string, unknown>;
  metadata: unknown;
}

interface ProducerOutput {
  tasks: Array<{ id: string; job_id: string }>;
  events: Array<{ id: string; event_id: string; type: string; job_id: string }>;
}

/** The `ok` records of a reader run, after checking it parsed everything and nothing else. */
function parsedBy<T>(run: PythonRun, count: number): T[] {
  const bad = run.lines.filter((line) => (line as { bad?: string }).bad !== undefined);
  expect(bad).toEqual([]);
  expect(run.stderr).toBe('');
  expect(run.lines.at(-1)).toEqual({ summary: { ok: count, bad: 0, expect: count } });
  expect(run.code).toBe(0);
  return run.lines.flatMap((line) => {
    const ok = (line as { ok?: T }).ok;
    return ok === undefined ? [] : [ok];
  });
}

/** `XINFO GROUPS` as name → pending. */
async function pendingByGroup(redis: Redis, stream: string): Promise<Record<string, number>> {
  const reply = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  const pending: Record<string, number> = {};
  for (const fields of reply) {
    const group: Record<string, unknown> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) {
      group[String(fields[i])] = fields[i + 1];
    }
    pending[String(group.name)] = Number(group.pending);
  }
  return pending;
}

describeWithPython('Python services and the Nest apps on the same streams (seed 000 field contract)', () => {
  const py = python as string;
  let server: PrivateRedis;
  let redis: Redis;
  let api: INestApplication | undefined;
  let apiUrl = '';
  let consumer: ConsumerApp | undefined;
  let consumerUrl = '';
  const previousUrl = process.env.REDIS_URL;
  const apiJobIds: string[] = [];
  const running: PythonProcess[] = [];

  const reader = (stream: string, group: string, kind: 'task' | 'event', expect: number): PythonProcess => {
    const started = startPython(
      py,
      'seed_reader.py',
      [
        ...['--url', server.url, '--stream', stream, '--group', group, '--kind', kind],
        ...['--expect', String(expect), '--timeout', String(READER_TIMEOUT_S)],
      ],
      (READER_TIMEOUT_S + 10) * 1000,
    );
    running.push(started);
    return started;
  };
  const statusOf = async (jobId: string): Promise<string | undefined> => {
    const response = await fetch(`${apiUrl}/ingestions/${jobId}`);
    const body = (await response.json()) as { status?: string };
    return response.status === 200 ? body.status : undefined;
  };
  const counts = async (): Promise<Record<string, number>> =>
    (await (await fetch(`${consumerUrl}/event-counts`)).json()) as Record<string, number>;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    redis = new Redis(server.url);
    process.env.REDIS_URL = server.url;
    api = await createApiApp({ logger: appLogger });
    apiUrl = await listen(api);
  });

  afterEach(() => running.splice(0).forEach((child) => child.kill()));

  afterAll(async () => {
    process.env.REDIS_URL = previousUrl;
    await api?.close();
    await consumer?.app.close();
    redis?.disconnect();
    await server?.destroy();
  });

  it('Nest → Python: the API queues each POST as a flat task the Python worker (lightrag-workers) parses and acks', async () => {
    const requests = [
      {
        sourceUri: 'https://example.com/a',
        sourceType: 'web',
        content: 'Hello streams',
        metadata: { lang: 'en' },
      },
      { sourceUri: 'http://files.internal/b.txt', sourceType: 'file', content: '€uro – naïve text' },
      // Content that looks like JSON is still text to the Python worker (a flat field is written as given).
      {
        sourceUri: 'https://example.com/c',
        sourceType: 'api',
        content: '{"not": "metadata"}',
        metadata: { n: 1 },
      },
    ];
    // Started before the POSTs: it reads with `>`, as the seed's workers do.
    const worker = reader(INGESTION_QUEUE_STREAM, LIGHTRAG_WORKERS_GROUP, 'task', requests.length);
    for (const body of requests) {
      const response = await fetch(`${apiUrl}/ingestions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(202);
      apiJobIds.push(((await response.json()) as { jobId: string }).jobId);
    }

    const tasks = parsedBy<ParsedTask>(await worker.done, requests.length);
    expect(tasks.map((task) => task.job_id)).toEqual(apiJobIds);
    tasks.forEach((task, i) => {
      const sent = requests[i];
      expect(task).toEqual({
        message_id: task.message_id,
        job_id: apiJobIds[i],
        chunk_id: `${apiJobIds[i]}:0`,
        content: sent.content,
        source_uri: sent.sourceUri,
        source_type: sent.sourceType,
        metadata: sent.metadata ?? {},
        retry_count: 0,
        timestamp: task.timestamp,
      });
      expect(Number.isNaN(Date.parse(task.timestamp))).toBe(false);
    });
    // Exactly the seed's eight fields on the wire: nothing a Python reader would have to skip.
    const [, fields] = (await redis.xrange(INGESTION_QUEUE_STREAM, '-', '+', 'COUNT', 1))[0];
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(SEED_TASK_FIELDS);
    expect((await pendingByGroup(redis, INGESTION_QUEUE_STREAM))[LIGHTRAG_WORKERS_GROUP]).toBe(0);
  });

  it('Python → Nest → Python: Python tasks and events are handled by the Nest consumer, whose events a Python reader parses', async () => {
    consumer = await createConsumerApp({ logger: appLogger, blockMs: 200 });
    await consumer.app.startAllMicroservices();
    consumerUrl = await listen(consumer.app);

    const taskCount = 3;
    const eventCount = 2;
    // Each Python task is one chunk: the consumer emits ingestion.started, .progress and .completed for it.
    const expectedEvents = eventCount + 3 * taskCount;
    const events = reader(EVENTS_STREAM, PYTHON_EVENTS_GROUP, 'event', expectedEvents);
    // The group exists before anything is written (the reader creates it at id 0 otherwise; either way nothing is missed).
    await waitFor(
      async () => (await pendingByGroup(redis, EVENTS_STREAM))[PYTHON_EVENTS_GROUP] !== undefined,
      'the reader group',
    );

    const produced = await runPython(
      py,
      'seed_producer.py',
      ['--url', server.url, '--tasks', String(taskCount), '--events', String(eventCount)],
      20_000,
    );
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const { tasks, events: pyEvents } = produced.lines[0] as ProducerOutput;
    expect(tasks).toHaveLength(taskCount);

    // The Nest worker processed every Python task (the job store says completed)…
    for (const { job_id: jobId } of tasks) {
      await waitFor(
        async () => (await statusOf(jobId)) === 'completed',
        `Python job ${jobId} to complete`,
        15_000,
      );
    }
    // …and the Nest metrics collector counted the Python events and every task of both producers.
    await waitFor(async () => {
      const seen = await counts();
      return (
        seen['ingestion.queued'] === eventCount &&
        seen['ingestion.requested'] === apiJobIds.length + taskCount
      );
    }, 'the metrics collector to count the Python events and all tasks');

    const parsed = parsedBy<ParsedEvent>(await events.done, expectedEvents);
    const fromPython = parsed.filter((event) => event.type === 'ingestion.queued');
    expect(fromPython.map((event) => event.event_id)).toEqual(pyEvents.map((event) => event.event_id));
    expect(fromPython.every((event) => JSON.stringify(event.metadata) === '{"by":"python"}')).toBe(true);

    const fromNest = parsed.filter((event) => event.type !== 'ingestion.queued');
    for (const { job_id: jobId } of tasks) {
      const ofJob = fromNest.filter((event) => event.job_id === jobId);
      expect(ofJob.map((event) => [event.type, event.event_id])).toEqual([
        ['ingestion.started', `${jobId}:started`],
        ['ingestion.progress', `${jobId}:progress:0`],
        ['ingestion.completed', `${jobId}:completed`],
      ]);
      for (const event of ofJob) {
        expect(event.data.jobId).toBe(jobId);
        expect(event.metadata).toEqual({});
        expect(Number.isNaN(Date.parse(event.timestamp))).toBe(false);
      }
    }
    expect(fromNest).toHaveLength(3 * taskCount);
  });

  it('ends with nothing pending in any group of either stream', async () => {
    await waitFor(async () => {
      const all = {
        ...(await pendingByGroup(redis, INGESTION_QUEUE_STREAM)),
        ...Object.fromEntries(
          Object.entries(await pendingByGroup(redis, EVENTS_STREAM)).map(([group, n]) => [
            `events:${group}`,
            n,
          ]),
        ),
      };
      return Object.values(all).every((n) => n === 0) ? all : undefined;
    }, 'every group to have 0 pending');
    const queueGroups = await pendingByGroup(redis, INGESTION_QUEUE_STREAM);
    expect(Object.keys(queueGroups).sort()).toEqual(['lightrag-workers', 'metrics-collector']);
    expect(Object.keys(await pendingByGroup(redis, EVENTS_STREAM))).toContain(PYTHON_EVENTS_GROUP);
  });

  it('negative control: entries in the envelope alone are reported by the Python readers and stay pending', async () => {
    const taskStream = uniqueName('py-task');
    const eventStream = uniqueName('py-event');
    const routesFor = (flatTasks: boolean, withExtras: boolean): StreamRoute[] => [
      {
        stream: taskStream,
        patterns: ['task.requested'],
        codec: 'auto',
        writeCodec: flatTasks ? 'flat' : 'envelope',
      },
      {
        stream: eventStream,
        patterns: ['job.*'],
        extraFields: withExtras ? shieldRoutes[1].extraFields : undefined,
      },
    ];
    const task = {
      job_id: 'j',
      chunk_id: 'j:0',
      content: 'x',
      source_uri: 'file:///x',
      source_type: 'file',
      metadata: {},
      retry_count: 0,
      timestamp: new Date().toISOString(),
    };
    const write = async (flatTasks: boolean, withExtras: boolean): Promise<void> => {
      const client = new ClientRedisStreams({ url: server.url, routes: routesFor(flatTasks, withExtras) });
      try {
        await lastValueFrom(client.emit('task.requested', task));
        await lastValueFrom(
          client.emit('job.done', new RedisStreamsRecord({ jobId: 'j' }, { eventId: 'e' })),
        );
      } finally {
        await client.close();
      }
    };

    await write(false, false);
    const badTasks = await runPython(
      py,
      'seed_reader.py',
      [
        '--url',
        server.url,
        '--stream',
        taskStream,
        '--group',
        'g',
        '--kind',
        'task',
        '--expect',
        '1',
        '--timeout',
        '10',
      ],
      20_000,
    );
    const badEvents = await runPython(
      py,
      'seed_reader.py',
      [
        '--url',
        server.url,
        '--stream',
        eventStream,
        '--group',
        'g',
        '--kind',
        'event',
        '--expect',
        '1',
        '--timeout',
        '10',
      ],
      20_000,
    );
    for (const [run, missing] of [
      [badTasks, 'job_id'],
      [badEvents, 'job_id'],
    ] as const) {
      expect(run.code).toBe(1);
      expect(run.lines[0]).toMatchObject({ error: `KeyError: '${missing}'` });
      expect(run.lines.at(-1)).toEqual({ summary: { ok: 0, bad: 1, expect: 1 } });
    }
    expect(await pendingByGroup(redis, taskStream)).toEqual({ g: 1 });
    expect(await pendingByGroup(redis, eventStream)).toEqual({ g: 1 });

    // The same emits with the write codecs of the demo topology: parsed and acked.
    await write(true, true);
    for (const [stream, kind] of [
      [taskStream, 'task'],
      [eventStream, 'event'],
    ] as const) {
      const run = await runPython(
        py,
        'seed_reader.py',
        [
          '--url',
          server.url,
          '--stream',
          stream,
          '--group',
          'g',
          '--kind',
          kind,
          '--expect',
          '1',
          '--timeout',
          '10',
        ],
        20_000,
      );
      expect(parsedBy(run, 1)).toHaveLength(1);
    }
    await redis.del(taskStream, eventStream);
  });
});
