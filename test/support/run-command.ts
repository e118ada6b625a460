import { spawn } from 'node:child_process';

/** True on Windows, where npm is `npm.cmd` and process groups do not exist. */
export const IS_WINDOWS = process.platform === 'win32';

/** The environment of child processes, without what would let them see the repo (NODE_PATH, npm's own vars). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const leaks =
      ['NODE_PATH', 'NODE_OPTIONS', 'INIT_CWD'].includes(key) ||
      /^npm_(package|lifecycle)_/i.test(key) ||
      /^npm_config_(local_)?prefix$/i.test(key);
    if (!leaks) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}

/** What a finished command printed and how long it took. */
export interface Ran {
  stdout: string;
  stderr: string;
  ms: number;
}

/** The last `lines` lines of `text`. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A command that failed or timed out; `stdout` is everything it printed. */
export class CommandFailedError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
  ) {
    super(message);
    this.name = 'CommandFailedError';
  }
}

/** Runs a command; rejects with its output when it fails or outlives `timeoutMs` (then its process group is killed). */
export function runCommand(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = childEnv(),
): Promise<Ran> {
  const started = Date.now();
  const line = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: IS_WINDOWS,
      detached: !IS_WINDOWS,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (!IS_WINDOWS && child.pid) {
          process.kill(-child.pid, 'SIGKILL');
        } else {
          child.kill('SIGKILL');
        }
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${line}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (code === 0 && !timedOut) {
        resolve({ stdout, stderr, ms });
        return;
      }
      const how = timedOut ? `did not finish in ${timeoutMs} ms` : `failed (code ${code}, signal ${signal})`;
      reject(
        new CommandFailedError(
          `${line} (in ${cwd}) ${how}\n--- stdout ---\n${tail(stdout)}\n--- stderr ---\n${tail(stderr)}`,
          stdout,
        ),
      );
    });
  });
}
