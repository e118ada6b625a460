import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, hasRedisServerBinary, portOpen, redisAnswers } from './redis-server';
import { waitFor } from './wait';

/**
 * Finds the Redis the integration tests use: REDIS_URL if it answers, else a redis-server spawned on a free port,
 * else a container from @testcontainers/redis (needs Docker). Exports it as REDIS_URL for the test workers.
 */
export default async function globalSetup(): Promise<void> {
  const configured = process.env.REDIS_URL;
  if (configured) {
    if (!(await redisAnswers(configured))) {
      throw new Error(`REDIS_URL is set but nothing answers there`);
    }
    return;
  }
  if (hasRedisServerBinary()) {
    const port = await freePort();
    // Daemonized with a pid file: no child handle keeps the test runner alive after the run.
    const pidFile = join(tmpdir(), `nrs-test-redis-${port}.pid`);
    execFileSync('redis-server', [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidFile,
      '--logfile',
      '',
    ]);
    const url = `redis://127.0.0.1:${port}`;
    await waitFor(() => portOpen(port), `spawned redis-server on ${port}`, 10_000, 20);
    await waitFor(() => redisAnswers(url), `spawned redis-server on ${port} to answer`, 10_000, 50);
    process.env.REDIS_URL = url;
    (globalThis as { __redisTestTeardown?: () => Promise<void> }).__redisTestTeardown = async () => {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => !(await portOpen(port)), 'the test redis-server to stop', 10_000, 20);
      rmSync(pidFile, { force: true });
    };
    return;
  }
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7.0').start();
  process.env.REDIS_URL = container.getConnectionUrl();
  (globalThis as { __redisTestTeardown?: () => Promise<void> }).__redisTestTeardown = async () => {
    await container.stop();
  };
}
