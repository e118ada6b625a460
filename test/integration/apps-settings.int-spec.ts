import { Redis } from 'ioredis';
import { InvalidEnvironmentError } from '@app/shield-platform/config/parse-env';
import { createConsumerApp } from '../../apps/consumer/src/create-consumer-app';
import { AppRun, endOf, killApp, runApp } from '../support/app-process';
import { freePort } from '../support/redis-server';
import { SHIELD_KEYS } from '../support/shield-apps';
import { waitFor } from '../support/wait';

/**
 * The apps' settings from the environment (apps/<app>/src/config): the real entry points (main.ts, run as child
 * processes) refuse a bad value before they connect, naming the variable, with exit code 1; and a valid value reaches
 * the consumer's Redis Streams servers (their resolved options, shown by GET /health).
 */

interface HealthBody {
  servers: Array<{ group: string; settings: Record<string, unknown> }>;
}

describe('app settings from the environment', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const runs: AppRun[] = [];

  const start = (main: string, env: Record<string, string>): AppRun => {
    const started = runApp(main, { REDIS_URL: process.env.REDIS_URL as string, ...env });
    runs.push(started);
    return started;
  };

  beforeAll(async () => {
    await redis.del(...SHIELD_KEYS);
  });

  afterEach(async () => {
    for (const left of runs.splice(0)) {
      await killApp(left);
    }
  });

  afterAll(async () => {
    await redis.del(...SHIELD_KEYS);
    await redis.quit();
  });

  it('the consumer refuses CONSUMER_CONCURRENCY=abc: exit code 1, the variable named, no consumer joined', async () => {
    const port = await freePort();
    const ended = await endOf(
      start('apps/consumer/src/main.ts', { CONSUMER_CONCURRENCY: 'abc', CONSUMER_PORT: String(port) }),
      30_000,
    );
    expect(ended.output).toContain('CONSUMER_CONCURRENCY must be an integer from 1 to 1000, got "abc"');
    expect(ended.code).toBe(1);
    // Refused before connecting: no stream, group or consumer was created.
    expect(await redis.exists(...SHIELD_KEYS)).toBe(0);
  }, 40_000);

  it('the API refuses PORT=http the same way', async () => {
    const ended = await endOf(start('apps/api/src/main.ts', { PORT: 'http' }), 30_000);
    expect(ended.output).toContain('PORT must be an integer from 0 to 65535, got "http"');
    expect(ended.code).toBe(1);
  }, 40_000);

  it('createConsumerApp rejects an invalid setting (it does not abort the process)', async () => {
    const saved = process.env.CONSUMER_BACKOFF_MAX_MS;
    process.env.CONSUMER_BACKOFF_MAX_MS = '10';
    try {
      const created = createConsumerApp({ logger: false });
      await expect(created).rejects.toThrow(InvalidEnvironmentError);
      await expect(created).rejects.toThrow(
        'CONSUMER_BACKOFF_MAX_MS (10) must not be below CONSUMER_BACKOFF_BASE_MS (1000)',
      );
    } finally {
      if (saved === undefined) {
        delete process.env.CONSUMER_BACKOFF_MAX_MS;
      } else {
        process.env.CONSUMER_BACKOFF_MAX_MS = saved;
      }
    }
  });

  it('the settings reach both servers of the running consumer (GET /health on CONSUMER_PORT)', async () => {
    const port = await freePort();
    const started = start('apps/consumer/src/main.ts', {
      CONSUMER_PORT: String(port),
      CONSUMER_CONCURRENCY: '7',
      CONSUMER_BATCH_SIZE: '3',
      CONSUMER_BLOCK_MS: '250',
      CONSUMER_MIN_IDLE_MS: '45000',
      CONSUMER_SHUTDOWN_TIMEOUT_MS: '1234',
      CONSUMER_MAX_DELIVERIES: '2',
      CONSUMER_BACKOFF_BASE_MS: '50',
      CONSUMER_BACKOFF_MAX_MS: '400',
    });
    const health = await waitFor(
      async () => {
        if (started.child.exitCode !== null) {
          throw new Error(`consumer exited: ${started.output()}`);
        }
        try {
          const response = await fetch(`http://127.0.0.1:${port}/health`);
          return response.status === 200 ? ((await response.json()) as HealthBody) : undefined;
        } catch {
          return undefined;
        }
      },
      'the consumer to answer /health',
      30_000,
      100,
    );
    expect(health.servers.map(({ group }) => group).sort()).toEqual([
      'lightrag-workers',
      'metrics-collector',
    ]);
    for (const server of health.servers) {
      expect(server.settings).toEqual({
        batchSize: 3,
        blockMs: 250,
        concurrency: 7,
        minIdleMs: 45_000,
        shutdownTimeoutMs: 1234,
        maxDeliveries: 2,
        backoff: { baseMs: 50, maxMs: 400 },
      });
    }
    started.child.kill('SIGTERM');
    await endOf(started, 15_000);
  }, 50_000);
});
