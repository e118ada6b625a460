import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A free loopback TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** `redis-server --version` (e.g. "7.0.15"), or undefined when the binary is missing. */
export function redisServerVersion(): string | undefined {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? /v=(\S+)/.exec(result.stdout)?.[1] : undefined;
}

/** A private redis-server on a free loopback port, persistence off, in a temporary directory. */
export class BenchRedis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(): Promise<BenchRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'nrs-bench-redis-'));
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const server = new BenchRedis(port, child, dir);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) {
        server.stop();
        throw new Error(`redis-server exited with code ${child.exitCode} at start`);
      }
      if (await answers(port)) {
        return server;
      }
      if (Date.now() > deadline) {
        server.stop();
        throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** SIGKILL (there is nothing to save) and remove the directory. Synchronous, so it also works in 'exit'. */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function answers(port: number): Promise<boolean> {
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
