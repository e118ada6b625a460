import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { INGESTION_QUEUE_STREAM, LIGHTRAG_WORKERS_GROUP } from '@app/contracts';
import { PrivateRedis, freePort } from '../support/redis-server';
import { waitFor } from '../support/wait';
import { ensureBaseImages } from './base-images';
import { LIMIT_ARGS, RUNC, allImageIds, imageSizeMb, missingTools, podman, podmanStatus } from './podman';

const ROOT = join(__dirname, '..', '..');
const RUN_ID = randomBytes(4).toString('hex');
const API_IMAGE = `localhost/nest-redis-streams-api:test-${RUN_ID}`;
const CONSUMER_IMAGE = `localhost/nest-redis-streams-consumer:test-${RUN_ID}`;
/** `podman stop -t`: what Kubernetes' terminationGracePeriodSeconds is to a pod. */
const GRACE_SECONDS = 10;
/** The consumer's own drain deadline, below the grace period as the manifests set it. */
const SHUTDOWN_TIMEOUT_MS = 5000;
/** Ingestions posted around the consumer's SIGTERM, so some are in flight or queued when it drains. */
const BURST = 200;
const MINUTES = 60_000;

interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

async function call(url: string, body?: unknown): Promise<HttpAnswer> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A CA bundle for a registry behind a TLS-intercepting proxy, handed to the build as the optional `npm_ca` secret. */
function caSecretArgs(): string[] {
  const bundle = process.env.NODE_EXTRA_CA_CERTS;
  return bundle && existsSync(bundle) ? ['--secret', `id=npm_ca,src=${bundle}`] : [];
}

/** One app container as Kubernetes runs it: non-root (the image's user), read-only root filesystem, no tmpfs. */
async function runApp(name: string, image: string, env: Record<string, string>): Promise<void> {
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  await podman([
    'run',
    '--detach',
    '--name',
    name,
    ...LIMIT_ARGS,
    '--network',
    'host',
    '--read-only',
    '--read-only-tmpfs=false',
    ...envArgs,
    image,
  ]);
}

/** Everything the container printed (Nest logs to stdout, errors to stderr). */
async function logsOf(name: string): Promise<string> {
  const { stdout, stderr } = await podman(['logs', name]);
  return `${stdout}${stderr}`;
}

/** `podman stop -t GRACE`: SIGTERM, then SIGKILL when the grace period is over. Resolves with the seconds it took. */
async function stopWithin(name: string): Promise<{ seconds: number; exitCode: number }> {
  const started = Date.now();
  await podman(['stop', '--time', String(GRACE_SECONDS), name], (GRACE_SECONDS + 30) * 1000);
  const seconds = (Date.now() - started) / 1000;
  const { stdout } = await podman(['inspect', '--format', '{{.State.ExitCode}}', name]);
  return { seconds, exitCode: Number(stdout.trim()) };
}

/** `XINFO CONSUMERS` names of a group. */
async function consumersOf(redis: Redis, stream: string, group: string): Promise<string[]> {
  const reply = (await redis.xinfo('CONSUMERS', stream, group)) as unknown[][];
  return reply.map((fields) => String(fields[fields.indexOf('name') + 1]));
}

const request = (n: number): Record<string, unknown> => ({
  sourceUri: `https://example.com/image-test/${n}`,
  sourceType: 'web',
  content: `document ${n}: ${'words '.repeat(50)}`,
});

describe('the container images, built and run with podman', () => {
  const containers: string[] = [];
  let imagesBefore = new Set<string>();
  let redis: PrivateRedis | undefined;
  let client: Redis | undefined;
  let apiUrl = '';
  let consumerUrl = '';
  const name = (role: string): string => {
    const container = `nrs-image-test-${role}-${RUN_ID}`;
    containers.push(container);
    return container;
  };
  const consumer = name('consumer');
  const api = name('api');

  const startConsumer = async (container: string): Promise<string> => {
    const port = await freePort();
    await runApp(container, CONSUMER_IMAGE, {
      REDIS_URL: redis?.url ?? '',
      CONSUMER_PORT: String(port),
      CONSUMER_NAME: container,
      CONSUMER_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      CONSUMER_BLOCK_MS: '500',
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await call(`${url}/health/ready`)).status === 200,
      `${container} ready`,
      60_000,
      200,
    );
    return url;
  };

  beforeAll(async () => {
    const missing = missingTools();
    if (missing.length > 0) {
      throw new Error(`the image tier needs podman and runc:\n${missing.join('\n')}`);
    }
    const bases = await ensureBaseImages();
    console.log(
      `image: base ${bases.base}, build stage ${bases.build}` +
        (bases.madeInSeconds > 0 ? ` (made in ${bases.madeInSeconds.toFixed(0)} s)` : ' (cached)'),
    );
    imagesBefore = await allImageIds();
    for (const [target, tag] of [
      ['api', API_IMAGE],
      ['consumer', CONSUMER_IMAGE],
    ]) {
      const started = Date.now();
      await podman(
        [
          'build',
          '--runtime',
          RUNC,
          ...LIMIT_ARGS,
          '--network',
          'host',
          // OCI images have no HEALTHCHECK: podman keeps it only in the docker format (what `docker build` makes).
          '--format',
          'docker',
          '--build-arg',
          `BASE_IMAGE=${bases.base}`,
          '--build-arg',
          `BUILD_IMAGE=${bases.build}`,
          ...caSecretArgs(),
          '--target',
          target,
          '--tag',
          tag,
          ROOT,
        ],
        25 * MINUTES,
      );
      console.log(
        `image: ${tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s, ${await imageSizeMb(tag)} MB ` +
          `(base ${await imageSizeMb(bases.base)} MB)`,
      );
    }
    redis = await PrivateRedis.start();
    client = new Redis(redis.url);
    consumerUrl = await startConsumer(consumer);
    const apiPort = await freePort();
    await runApp(api, API_IMAGE, { REDIS_URL: redis.url, PORT: String(apiPort) });
    apiUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor(
      async () => (await call(`${apiUrl}/health/ready`)).status === 200,
      'the API ready',
      60_000,
      200,
    );
  }, 45 * MINUTES);

  afterAll(async () => {
    if (containers.length > 0) {
      podmanStatus(['rm', '--force', '--ignore', ...containers]);
    }
    // Every image this run made (the two apps and the build stage's layers), never the cached base images.
    const made = [...(await allImageIds())].filter((id) => !imagesBefore.has(id));
    if (made.length > 0) {
      podmanStatus(['rmi', '--force', ...made]);
    }
    await client?.quit();
    await redis?.destroy();
  }, 5 * MINUTES);

  it('each image: numeric non-root user, HEALTHCHECK on /health/live, exec-form node CMD', async () => {
    for (const [image, entry] of [
      [API_IMAGE, 'dist/apps/api/apps/api/src/main.js'],
      [CONSUMER_IMAGE, 'dist/apps/consumer/apps/consumer/src/main.js'],
    ]) {
      const { stdout } = await podman(['image', 'inspect', image]);
      const [inspected] = JSON.parse(stdout) as Array<{
        Config: { User: string; Cmd: string[]; Entrypoint?: string[] | null };
        Healthcheck?: { Test: string[] };
      }>;
      const config = { ...inspected.Config, Healthcheck: inspected.Healthcheck };
      expect({ image, user: config.User }).toEqual({ image, user: '10001:10001' });
      expect({ image, cmd: config.Cmd, entrypoint: config.Entrypoint ?? [] }).toEqual({
        image,
        cmd: ['node', entry],
        entrypoint: [],
      });
      expect(config.Healthcheck?.Test.slice(0, 3)).toEqual(['CMD', 'node', '/app/healthcheck.js']);
    }
  });

  it('both apps run as uid 10001 with node as PID 1 on a read-only root filesystem, healthy', async () => {
    for (const container of [api, consumer]) {
      const { stdout: uid } = await podman(['exec', container, 'id', '-u']);
      expect({ container, uid: uid.trim() }).toEqual({ container, uid: '10001' });
      const { stdout: status } = await podman(['exec', container, 'cat', '/proc/1/status']);
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe('10001');
      const { stdout: cmdline } = await podman(['exec', container, 'cat', '/proc/1/cmdline']);
      expect(cmdline.split('\0')[0]).toBe('node');
      const write = podmanStatus(['exec', container, 'touch', '/app/written']);
      expect(write.stderr).toMatch(/Read-only file system/);
      expect(podmanStatus(['healthcheck', 'run', container]).status).toBe(0);
    }
  });

  it('an ingestion posted to the API container is completed by the consumer container', async () => {
    const accepted = await call(`${apiUrl}/ingestions`, request(0));
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.jobId as string;
    const finished = await waitFor(
      async () => {
        const { body } = await call(`${apiUrl}/ingestions/${jobId}`);
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      `job ${jobId} to finish`,
      20_000,
      50,
    );
    expect(finished).toMatchObject({ jobId, status: 'completed', chunkCount: 1 });
    await waitFor(
      async () => (await call(`${consumerUrl}/event-counts`)).body['ingestion.completed'] === 1,
      'the consumer container to count the completion',
    );
  });

  it('the image carries the CLI: nest-redis-streams init provisions the seed topology (the Kubernetes init Job)', async () => {
    const { stdout } = await podman(
      ['run', '--rm', ...LIMIT_ARGS, '--network', 'host', '--read-only', CONSUMER_IMAGE].concat([
        'nest-redis-streams',
        '--url',
        redis?.url ?? '',
        'init',
      ]),
      60_000,
    );
    expect(stdout).toMatch(/shield:ingestion_queue/);
  });

  it(`SIGTERM: the consumer drains and exits 0 within ${GRACE_SECONDS} s; a burst posted around it is not lost`, async () => {
    // The API keeps taking requests while the consumer gets its SIGTERM: the stop comes under load, with entries
    // read and in flight, and more arriving after it.
    const jobIds: string[] = [];
    const posting = (async (): Promise<void> => {
      for (let n = 1; n <= BURST; n++) {
        const { body } = await call(`${apiUrl}/ingestions`, request(n));
        jobIds.push(body.jobId as string);
      }
    })();
    await waitFor(() => jobIds.length >= BURST / 4, 'a quarter of the burst posted', 20_000);
    const { seconds, exitCode } = await stopWithin(consumer);
    await posting;
    expect(jobIds.every((id) => typeof id === 'string')).toBe(true);
    const logs = await logsOf(consumer);
    expect({ exitCode, inGrace: seconds < GRACE_SECONDS }).toEqual({ exitCode: 0, inGrace: true });
    expect(logs).toMatch(/SIGTERM: draining: reads stop, in-flight handlers get up to 5000 ms/);
    const drainedMs = Number(/SIGTERM: drained in (\d+) ms, exiting/.exec(logs)?.[1]);
    expect(Number.isFinite(drainedMs)).toBe(true);
    expect(logs).not.toMatch(/ERROR/);
    const handedOver = [...logs.matchAll(/handed (\d+) unfinished entr/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
    const done = (
      await Promise.all(jobIds.map(async (id) => (await call(`${apiUrl}/ingestions/${id}`)).body.status))
    ).filter((status) => status === 'completed').length;
    // A clean drain leaves the consumer's name in the group only when it handed entries over.
    const left = await consumersOf(client as Redis, INGESTION_QUEUE_STREAM, LIGHTRAG_WORKERS_GROUP);
    expect({ registered: left.includes(consumer), handedOver: handedOver > 0 }).toEqual({
      registered: handedOver > 0,
      handedOver: handedOver > 0,
    });
    console.log(
      `image: consumer SIGTERM → exit ${exitCode} in ${seconds.toFixed(2)} s (grace ${GRACE_SECONDS} s, ` +
        `drained in ${drainedMs} ms), ${done}/${BURST} jobs completed by it, ${handedOver} handed over`,
    );

    // Whatever the first consumer left, a second one finishes: nothing was lost in the drain.
    await startConsumer(name('consumer2'));
    await waitFor(
      async () => {
        const statuses = await Promise.all(
          jobIds.map(async (id) => (await call(`${apiUrl}/ingestions/${id}`)).body.status),
        );
        return statuses.every((status) => status === 'completed');
      },
      `all ${BURST} jobs completed after the drain`,
      60_000,
      250,
    );
  });

  it(`SIGTERM: the API exits 0 within ${GRACE_SECONDS} s`, async () => {
    const { seconds, exitCode } = await stopWithin(api);
    expect({ exitCode, inGrace: seconds < GRACE_SECONDS }).toEqual({ exitCode: 0, inGrace: true });
    console.log(`image: api SIGTERM → exit ${exitCode} in ${seconds.toFixed(2)} s`);
  });
});
