import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StreamKeys } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = 'test/fixtures/shutdown-recipe.ts';
/** The line of the README's consumer `main.ts` that the fixture's `exit-0` recipe runs. */
const RECIPE_LINE = "app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });";

/**
 * The fixture under `sh`, which reports the exit status a parent process sees (`$?`: the code, or 128 + the signal
 * number when a signal ended the process), as a process manager or a container runtime would.
 */
class RecipeProcess {
  private output = '';
  readonly shell: ChildProcess;

  constructor(env: Record<string, string>) {
    this.shell = spawn(
      'sh',
      [
        '-c',
        '"$@" & echo "PID=$!"; wait "$!"; echo "STATUS=$?"',
        'sh',
        process.execPath,
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        FIXTURE,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, ...env, TS_NODE_PROJECT: 'tsconfig.json' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    this.shell.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  private line(name: string): string | undefined {
    return new RegExp(`^${name}=(\\d+)$`, 'm').exec(this.output)?.[1];
  }

  /** The node process's pid, once it is listening. */
  async ready(): Promise<number> {
    await waitFor(() => this.output.includes('READY'), 'the fixture to listen', 30_000);
    return Number(this.line('PID'));
  }

  /** Ends the fixture for good (a test that failed before its SIGTERM). */
  kill(): void {
    const pid = this.line('PID');
    if (pid !== undefined && this.line('STATUS') === undefined) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.shell.kill('SIGKILL');
  }

  /** The exit status `sh` saw. */
  status(): Promise<number> {
    return waitFor(() => this.line('STATUS'), 'the fixture to exit', 20_000).then(Number);
  }
}

describe('the README shutdown recipe in a real process', () => {
  const { redis, keys, emit } = useStreamFixture();
  const running: RecipeProcess[] = [];

  afterEach(() => {
    for (const recipe of running.splice(0)) {
      recipe.kill();
    }
  });

  it('the README shows the recipe the fixture runs', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(RECIPE_LINE);
    expect(readFileSync(join(ROOT, FIXTURE), 'utf8')).toContain(RECIPE_LINE);
  });

  it.each([
    ['exit-0', 0],
    ['on-signal', 0],
    // Nest re-raises the signal once the app is closed: shells and Kubernetes report 128 + 15.
    ['hooks', 143],
  ])(
    'recipe %s: SIGTERM while a handler runs → it finishes, its entry is acked, exit status %i',
    async (recipe, expected) => {
      const pattern = uniqueName(`shutdown-${recipe}`);
      const record = `${pattern}:record`;
      keys.push(pattern, record, `${record}:started`, StreamKeys.retryLane(pattern, 'g'));
      const child = new RecipeProcess({
        RECIPE: recipe,
        REDIS_URL: process.env.REDIS_URL as string,
        PATTERN: pattern,
        GROUP: 'g',
        RECORD_KEY: record,
        HANDLER_MS: '2000',
      });
      running.push(child);
      const pid = await child.ready();
      const id = await emit(pattern, { id: 1 });
      await waitFor(async () => (await redis.llen(`${record}:started`)) === 1, 'the handler to start');
      expect(await redis.llen(record)).toBe(0);

      process.kill(pid, 'SIGTERM');
      expect(await child.status()).toBe(expected);
      expect(await redis.lrange(record, 0, -1)).toEqual([id]);
      expect(((await redis.xpending(pattern, 'g')) as [number])[0]).toBe(0);
    },
  );
});
