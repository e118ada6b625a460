import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, hasRedisServerBinary, portOpen } from '../support/redis-server';
import { SHIELD_KEYS } from '../support/shield-apps';
import { waitFor } from '../support/wait';

/**
 * `npm start` as the README has users run it: `npm run build` (both apps and the launcher in src/), then the built
 * launcher, dist/launcher/main.js, as a child process. Its output, the apps' probes and its exit status are what a
 * user sees.
 */

const ROOT = join(__dirname, '..', '..');
const LAUNCHER = join(ROOT, 'dist', 'launcher', 'main.js');

interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  apiUrl: string;
  consumerUrl: string;
}

async function launch(redisUrl: string): Promise<Launch> {
  const [apiPort, consumerPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [LAUNCHER], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redisUrl, PORT: String(apiPort), CONSUMER_PORT: String(consumerPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    consumerUrl: `http://127.0.0.1:${consumerPort}`,
  };
}

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

/** Stops a launcher a failed test left running, so its apps and Redis do not outlive the run. */
async function stopLeftover(run: Launch | undefined): Promise<void> {
  if (run && run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill('SIGTERM');
    await run.exited;
  }
}

describe('the launcher (npm start)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let run: Launch | undefined;

  beforeAll(() => {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) {
      throw new Error(`npm run build failed: ${build.stdout}${build.stderr}`);
    }
  }, 240_000);

  afterEach(async () => {
    await stopLeftover(run);
    run = undefined;
  });

  afterAll(async () => {
    await redis.del(...SHIELD_KEYS);
    await redis.quit();
  });

  it('runs both apps against the Redis at REDIS_URL; Ctrl-C (SIGINT) stops them and exits 0', async () => {
    await redis.del(...SHIELD_KEYS);
    run = await launch(process.env.REDIS_URL as string);
    const started = run;
    await waitFor(() => started.output().includes('press Ctrl-C to stop'), 'the launcher ready', 60_000);
    expect(started.output()).toContain('[start] using Redis at ');
    expect(await status(`${started.apiUrl}/health/live`)).toBe(200);
    expect(await status(`${started.consumerUrl}/health/live`)).toBe(200);

    started.child.kill('SIGINT');

    expect(await started.exited).toBe(0);
    expect(started.output()).toContain('[start] api stopped');
    expect(started.output()).toContain('[start] consumer stopped');
  }, 90_000);

  (hasRedisServerBinary() ? it : it.skip)(
    'starts a throwaway redis-server when nothing answers on a loopback URL; SIGTERM stops the apps, then it',
    async () => {
      const redisPort = await freePort();
      run = await launch(`redis://127.0.0.1:${redisPort}`);
      const started = run;
      await waitFor(() => started.output().includes('press Ctrl-C to stop'), 'the launcher ready', 60_000);
      expect(started.output()).toContain(
        `starting a throwaway redis-server on port ${redisPort} (no persistence)`,
      );
      expect(await status(`${started.apiUrl}/health/live`)).toBe(200);
      expect(await status(`${started.consumerUrl}/health/live`)).toBe(200);

      started.child.kill('SIGTERM');

      expect(await started.exited).toBe(0);
      expect(started.output()).toContain('[start] redis stopped (code 0)');
      expect(await portOpen(redisPort)).toBe(false);
    },
    90_000,
  );

  it('exits 1 with a reason when nothing answers and no throwaway Redis may stand in', async () => {
    run = await launch(`redis://:secret@127.0.0.1:${await freePort()}`);

    expect(await run.exited).toBe(1);
    expect(run.output()).toContain('the URL has credentials');
    expect(run.output()).not.toContain('secret');
  }, 30_000);
});
