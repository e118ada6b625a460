import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Where the tests' Python scripts live. */
export const PYTHON_DIR = join(__dirname, '..', 'python');

/**
 * A Python 3 that can `import redis` (Debian's python3-redis installs into the system Python, which a pyenv `python3`
 * first on the PATH does not see): `PYTHON` if set, else `python3`, else `/usr/bin/python3`. Undefined when none can.
 */
export function findPythonWithRedis(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter(
    (candidate): candidate is string => typeof candidate === 'string' && candidate !== '',
  );
  return candidates.find(
    (candidate) => spawnSync(candidate, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0,
  );
}

/** What a Python script printed (one JSON value per line) and how it ended. */
export interface PythonRun {
  code: number | null;
  lines: unknown[];
  stderr: string;
}

/** A running Python script; `done` settles when it exits (it is killed with SIGKILL after `timeoutMs`). */
export interface PythonProcess {
  done: Promise<PythonRun>;
  /** Lines printed so far. */
  lines: unknown[];
  /** Kills it (SIGKILL) if it still runs: a test that failed half-way must not leave a reader taking entries. */
  kill(): void;
}

/** Starts `test/python/<script>` with `args`; its stdout is read as JSON lines. */
export function startPython(
  python: string,
  script: string,
  args: string[],
  timeoutMs: number,
): PythonProcess {
  const child = spawn(python, [join(PYTHON_DIR, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: unknown[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let at: number;
    while ((at = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, at).trim();
      pending = pending.slice(at + 1);
      if (line !== '') {
        lines.push(JSON.parse(line));
      }
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<PythonRun>((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, lines, stderr });
    });
  });
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  };
  return { done, lines, kill };
}

/** Runs `test/python/<script>` to its end. */
export function runPython(
  python: string,
  script: string,
  args: string[],
  timeoutMs: number,
): Promise<PythonRun> {
  return startPython(python, script, args, timeoutMs).done;
}
