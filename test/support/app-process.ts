import { ChildProcess } from 'node:child_process';
import { spawnTsFixture } from './child-consumer';

/** An app's entry point (e.g. `apps/api/src/main.ts`) running as a child process, its output collected. */
export interface AppRun {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `main` (path from the repository root) with `env` over the test's own environment. */
export function runApp(main: string, env: Record<string, string>): AppRun {
  const child = spawnTsFixture(main, env, ['ignore', 'pipe', 'pipe']);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

/** Resolves with how the run ended, or rejects (and kills it) when it is still running after `ms`. */
export async function endOf(started: AppRun, ms: number): Promise<{ code: number | null; output: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      started.child.kill('SIGKILL');
      reject(new Error(`still running after ${ms} ms; output:\n${started.output()}`));
    }, ms);
  });
  try {
    const { code } = await Promise.race([started.exited, timeout]);
    return { code, output: started.output() };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills `started` (SIGKILL) unless it has exited, and waits for it. */
export async function killApp(started: AppRun): Promise<void> {
  if (started.child.exitCode === null && started.child.signalCode === null) {
    started.child.kill('SIGKILL');
    await started.exited;
  }
}
