import { spawn } from 'node:child_process';
import { freePort, hasRedisServerBinary, redisAnswers } from './redis-server';
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
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
        detached: false,
      },
    );
    const url = `redis://127.0.0.1:${port}`;
    await waitFor(() => redisAnswers(url), `spawned redis-server on ${port}`, 10_000, 50);
    process.env.REDIS_URL = url;
    (globalThis as { __redisTestTeardown?: () => Promise<void> }).__redisTestTeardown = () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      return exited;
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
