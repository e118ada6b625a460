import { ChildProcess, StdioOptions, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Env of a fixture consumer (see test/fixtures/consumer-process.ts). */
export interface ChildConsumerEnv {
  REDIS_URL: string;
  PATTERN: string;
  GROUP: string;
  RECORD_KEY: string;
  CONSUMER?: string;
  HANDLER_MS?: string;
  CONCURRENCY?: string;
  BATCH?: string;
  SHUTDOWN_TIMEOUT_MS?: string;
  MIN_IDLE_MS?: string;
  RECLAIM_INTERVAL_MS?: string;
  CONSUMER_LEASE_MS?: string;
  FAIL?: 'error' | 'unrecoverable';
  RETRY_DELAY_MS?: string;
  STATS_KEY?: string;
  /** '1': the fixture answers requests (`@MessagePattern`) instead of handling events. */
  REQUESTS?: '1';
  /** The route of PATTERN orders by this payload path (see the fixture). */
  ORDERING_KEY?: string;
  /** TLS files (REDIS_URL is then `rediss://`). */
  TLS_CA_FILE?: string;
  TLS_CERT_FILE?: string;
  TLS_KEY_FILE?: string;
  MAX_DELIVERIES?: string;
}

/** Runs a TypeScript file of this repo (path from the root) in a Node child process, transpiled on the fly. */
export function spawnTsFixture(
  file: string,
  env: Record<string, string | undefined>,
  stdio: StdioOptions,
): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', file],
    { cwd: ROOT, env: { ...process.env, ...env, TS_NODE_PROJECT: 'tsconfig.json' }, stdio },
  );
}

/** A consumer running in its own Node process. */
export class ChildConsumer {
  private constructor(readonly process: ChildProcess) {}

  /** Spawns the fixture and resolves once it printed READY (rejects if it exits first or takes > 30 s). */
  static start(env: ChildConsumerEnv): Promise<ChildConsumer> {
    return ChildConsumer.startFixture('test/fixtures/consumer-process.ts', { ...env });
  }

  /** Spawns another consumer fixture (path from the root) that prints READY once listening. */
  static async startFixture(file: string, env: Record<string, string | undefined>): Promise<ChildConsumer> {
    const child = spawnTsFixture(file, env, ['ignore', 'pipe', 'inherit']);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fixture consumer did not start in 30 s')), 30_000);
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('READY')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`fixture consumer exited before READY (code ${code}, signal ${signal})`));
      });
    });
    return new ChildConsumer(child);
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT). */
  signal(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** Resolves when the process has exited (by itself or killed). */
  exited(): Promise<void> {
    const child = this.process;
    if (child.exitCode !== null || child.signalCode !== null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Sends `signal` and resolves with how the process ended. */
  async stop(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.process;
    if (child.exitCode !== null || child.signalCode !== null) {
      return { code: child.exitCode, signal: child.signalCode };
    }
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    child.kill(signal);
    return exited;
  }
}
