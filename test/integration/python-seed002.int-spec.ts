import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamRoute, UnrecoverableEventError } from '@app/redis-streams';
import { RedisStreamsAdmin, Topology, deadLetterStreamsOf, loadTopology } from '@app/redis-streams/admin';
import { PythonRun, findPythonWithRedis, runPython } from '../support/python';
import { PrivateRedis } from '../support/redis-server';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

// Seed 002's services and Nest on the seed-002 topology (config/seed-002-streams.yaml), both ways: Python publishes
// `email.received` the way `publish_event` does (flat, `str(v)`), a Nest consumer in `email-processor` handles it;
// Nest emits `document.processed` flat, the seed's Python consumer in `document-indexer` parses and acks it. The
// stream and group names are the seed's, so everything runs on a private redis-server.

const python = findPythonWithRedis();
if (!python) {
  console.warn(
    'python-seed002.int-spec.ts SKIPPED: no python3 that can `import redis` (apt-get install -y python3-redis)',
  );
}
const describeWithPython = python ? describe : describe.skip;

interface Published {
  published: Array<{ id: string; payload: Record<string, unknown> }>;
}

/** The seed-002 routes a Nest service uses: one flat stream per type, dead letters where the seed's tools look. */
function seed002Routes(topology: Topology): StreamRoute[] {
  const deadLetters = deadLetterStreamsOf(topology);
  return topology.streams.map(({ name }) => ({
    stream: name,
    patterns: [name],
    codec: 'flat',
    deadLetterStream: deadLetters[name],
  }));
}

describeWithPython('seed 002 Python services and Nest on the seed-002 topology', () => {
  const py = python as string;
  let server: PrivateRedis;
  let redis: Redis;
  let topology: Topology;
  let consumer: TestConsumer | undefined;
  let client: ClientRedisStreams | undefined;

  beforeAll(async () => {
    server = await PrivateRedis.start();
    redis = new Redis(server.url);
    topology = await loadTopology('config/seed-002-streams.yaml');
    await new RedisStreamsAdmin(redis).provision(topology);
  });

  afterAll(async () => {
    await consumer?.close();
    await client?.close();
    redis?.disconnect();
    await server?.destroy();
  });

  it('Python → Nest: email.received handled (one refused into email.received:dead_letter); Nest → Python: document.processed parsed; 0 pending in every group', async () => {
    const routes = seed002Routes(topology);
    const handled: Array<Record<string, unknown>> = [];
    consumer = await startConsumer(
      [
        eventController('email.received', (data) => {
          const email = data as Record<string, unknown>;
          if ((email.labels as string[]).includes('n1')) {
            throw new UnrecoverableEventError('n1 is refused on purpose');
          }
          handled.push(email);
        }),
      ],
      { url: server.url, group: 'email-processor', routes },
    );
    const run: PythonRun = await runPython(
      py,
      'seed002_publisher.py',
      ['--url', server.url, '--stream', 'email.received', '--count', '4'],
      30_000,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { published } = run.lines[0] as Published;
    await waitFor(() => handled.length === 3, 'three Python events handled by Nest');
    // Flat, as seed 002 writes: scalars as `str(v)` (a bool is "True"), lists as JSON.
    expect(handled).toEqual(
      published
        .filter((event) => !(event.payload.labels as string[]).includes('n1'))
        .map(({ payload }) => ({ ...payload, has_attachments: payload.has_attachments ? 'True' : 'False' })),
    );
    await waitFor(async () => (await redis.xlen('email.received:dead_letter')) === 1, 'the refused one');

    client = new ClientRedisStreams({ url: server.url, routes });
    const documents = [1, 2, 3].map((n) => ({
      document_id: `doc-${n}`,
      pages: n * 10,
      tags: ['indexed', `n${n}`],
    }));
    for (const document of documents) {
      await lastValueFrom(client.emit('document.processed', document));
    }
    const reader = await runPython(
      py,
      'seed_reader.py',
      [
        ...['--url', server.url, '--stream', 'document.processed', '--group', 'document-indexer'],
        ...['--kind', 'seed002', '--expect', '3', '--timeout', '20'],
      ],
      30_000,
    );
    expect(reader.stderr).toBe('');
    expect(reader.code).toBe(0);
    const parsed = reader.lines.flatMap((line) => {
      const ok = (line as { ok?: { payload: unknown } }).ok;
      return ok ? [ok.payload] : [];
    });
    expect(parsed).toEqual(documents.map((document) => ({ ...document, pages: String(document.pages) })));

    const snapshots = await new RedisStreamsAdmin(redis).inspect(
      topology.streams.map((stream) => stream.name),
    );
    const pending = snapshots.flatMap((snapshot) =>
      snapshot.groups.map((group) => `${snapshot.stream}/${group.name}: ${group.pending}`),
    );
    expect(pending).toEqual(
      topology.streams.flatMap((stream) => stream.groups.map((group) => `${stream.name}/${group.name}: 0`)),
    );
  });
});
