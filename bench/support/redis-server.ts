import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisAnswers } from '../../test/support/redis-server';

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
      if (await redisAnswers(`redis://127.0.0.1:${port}`)) {
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
