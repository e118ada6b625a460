import { join } from 'node:path';
import { RedisOptions } from 'ioredis';
import { resolveClientOptions } from '@app/redis-streams/options/client-options';
import { connectRedis } from '@app/redis-streams/redis/connect-error';
import { closeRedisConnection, createRedisConnection } from '@app/redis-streams/redis/connection-factory';
import { AppRun, endOf, killApp, runApp } from '../support/app-process';
import { freePort } from '../support/redis-server';
import { TlsRedis } from '../support/tls-redis';
import { waitFor } from '../support/wait';

const API_MAIN = 'apps/api/src/main.ts';
const CONSUMER_MAIN = 'apps/consumer/src/main.ts';

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
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * The two demo apps, run as their real entry points (main.ts in child processes), on a TLS-only Redis that requires
 * a client certificate: every connection they open (the shared one, the clients, the consumer's servers) takes the
 * REDIS_TLS_* files, so an ingestion posted to the API completes. A CA file that cannot be read stops either app at
 * start, naming the variable and the path.
 */
describe('the apps over TLS with a client certificate (REDIS_TLS_*)', () => {
  let server: TlsRedis;
  const runs: AppRun[] = [];

  beforeAll(async () => {
    server = await TlsRedis.start(['--tls-auth-clients', 'yes']);
  });
  afterEach(async () => {
    for (const left of runs.splice(0)) {
      await killApp(left);
    }
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const tlsEnv = (): Record<string, string> => ({
    REDIS_URL: server.url(),
    REDIS_TLS_CA_FILE: server.certs.caFile,
    REDIS_TLS_CERT_FILE: server.certs.clientCertFile,
    REDIS_TLS_KEY_FILE: server.certs.clientKeyFile,
    // The server certificate names 127.0.0.1 and localhost: the URL's host is one, the server name the other.
    REDIS_TLS_SERVERNAME: 'localhost',
  });
  const start = (main: string, env: Record<string, string>): AppRun => {
    const started = runApp(main, env);
    runs.push(started);
    return started;
  };
  /** Waits until `url` answers 200; fails at once, with the app's output, if the app exits first. */
  const healthy = async (started: AppRun, url: string): Promise<HttpAnswer> => {
    const seen = await waitFor(
      async () => {
        if (started.child.exitCode !== null) {
          return { exited: true } as const;
        }
        try {
          const answer = await call(url);
          return answer.status === 200 ? { answer } : undefined;
        } catch {
          return undefined; // not listening yet
        }
      },
      `${url} to answer 200`,
      45_000,
      100,
    );
    if ('exited' in seen) {
      throw new Error(`app exited (${started.child.exitCode}): ${started.output()}`);
    }
    return seen.answer;
  };

  it('control: the server refuses a client without a certificate', async () => {
    const noRetry: RedisOptions = {
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      connectTimeout: 3000,
    };
    const ping = async (clientCert: boolean): Promise<string> => {
      const options = resolveClientOptions({ url: server.url(), tls: server.tlsOptions(clientCert) });
      const connection = createRedisConnection(options, noRetry);
      try {
        await connectRedis(connection);
        return await connection.ping();
      } finally {
        await closeRedisConnection(connection);
      }
    };
    expect(await ping(true)).toBe('PONG');
    await expect(ping(false)).rejects.toThrow();
  });

  it('both apps start, report healthy, and an ingestion posted to the API completes', async () => {
    const [apiPort, consumerPort] = [await freePort(), await freePort()];
    const consumer = start(CONSUMER_MAIN, {
      ...tlsEnv(),
      CONSUMER_PORT: String(consumerPort),
      CONSUMER_BLOCK_MS: '200',
    });
    const api = start(API_MAIN, { ...tlsEnv(), PORT: String(apiPort) });
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const consumerUrl = `http://127.0.0.1:${consumerPort}`;

    const consumerHealth = await healthy(consumer, `${consumerUrl}/health`);
    expect(consumerHealth.body).toMatchObject({
      status: 'ok',
      redis: 'up',
      servers: [
        { group: 'lightrag-workers', status: 'connected' },
        { group: 'metrics-collector', status: 'connected' },
      ],
    });
    await healthy(api, `${apiUrl}/health`);
    // Readiness PINGs through the apps' shared connection.
    await healthy(api, `${apiUrl}/health/ready`);

    const accepted = await call(`${apiUrl}/ingestions`, {
      sourceUri: 'https://example.com/tls',
      sourceType: 'web',
      content: 'over TLS, with a client certificate',
      metadata: { lang: 'en' },
    });
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.jobId as string;
    const finished = await waitFor(
      async () => {
        const { body } = await call(`${apiUrl}/ingestions/${jobId}`);
        return body.status === 'completed' || body.status === 'failed' ? body : undefined;
      },
      `job ${jobId} to finish`,
      15_000,
      50,
    );
    expect(finished).toMatchObject({ jobId, status: 'completed', chunkCount: 1 });
    // The consumer's own client wrote the lifecycle events; its metrics server counted them.
    await waitFor(
      async () => ((await call(`${consumerUrl}/event-counts`)).body['ingestion.completed'] as number) === 1,
      'metrics-collector to count the completion',
    );

    // A clean stop over TLS too (Nest re-raises SIGTERM once closed: the exit is by signal, not a code).
    for (const started of [api, consumer]) {
      started.child.kill('SIGTERM');
      await endOf(started, 20_000);
    }
  }, 90_000);

  it.each([
    ['API', API_MAIN, 'PORT'],
    ['consumer', CONSUMER_MAIN, 'CONSUMER_PORT'],
  ])(
    'the %s refuses a CA file that cannot be read: exit code 1, the variable and the path named',
    async (_app, main, portVariable) => {
      const missing = join(server.certs.dir, 'missing', 'ca.pem');
      const ended = await endOf(
        start(main, {
          ...tlsEnv(),
          REDIS_TLS_CA_FILE: missing,
          [portVariable]: String(await freePort()),
        }),
        40_000,
      );
      expect(ended.output).toContain(
        `invalid environment: REDIS_TLS_CA_FILE cannot be read: ${missing} (ENOENT)`,
      );
      expect(ended.code).toBe(1);
      // Not one line of the PEM files that could be read (certificate, key) is printed.
      expect(ended.output).not.toContain('-----BEGIN');
    },
    50_000,
  );
});
