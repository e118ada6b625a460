import type { ChildProcess } from 'node:child_process';
import { fail, log } from './log';
import { waitForExit } from './wait-for-exit';

/** The label of the throwaway redis-server, stopped after the apps (they drain against it). */
export const REDIS_LABEL = 'redis';

/** How long an app may take to drain after the stop signal before it is killed. */
const STOP_TIMEOUT_MS = 30_000;
/** How long a SIGKILLed app, or the throwaway Redis after SIGTERM, is waited for. */
const KILL_TIMEOUT_MS = 5000;

/**
 * Keeps the launcher's child processes and brings them all down together: a child that exits while nothing is being
 * stopped stops the others and makes the launcher exit 1; a stop sends the apps one signal, kills those still
 * running after a deadline, then stops the throwaway Redis and exits.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopStarted = false;

  /** @param exit ends the launcher once everything has stopped (a test passes a recorder). */
  constructor(private readonly exit: (code: number) => void = (code) => process.exit(code)) {}

  /** True once a stop has begun (by a signal or a failure): later exits are expected, not failures. */
  get stopping(): boolean {
    return this.stopStarted;
  }

  /** Registers a running child under `label`; its exit or a failed spawn while not stopping stops everything. */
  track(label: string, child: ChildProcess): void {
    this.children.set(label, child);
    child.once('exit', (code, signal) => {
      this.children.delete(label);
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (this.stopStarted) {
        log(`${label} stopped (${how})`);
        return;
      }
      fail(`${label} exited unexpectedly (${how})`);
      void this.stop(1);
    });
    child.once('error', (error) => {
      fail(`${label} could not be started: ${error.message}`);
      this.children.delete(label);
      if (!this.stopStarted) {
        void this.stop(1);
      }
    });
  }

  /** SIGKILLs every child still running (a second Ctrl-C, or the launcher itself exiting). */
  killAll(): void {
    this.children.forEach((child) => child.kill('SIGKILL'));
  }

  /**
   * Stops the apps with `signal` (SIGKILL after {@link STOP_TIMEOUT_MS}), then the throwaway Redis, then exits with
   * `code`. Only the first call does anything.
   */
  async stop(code: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.stopStarted) {
      return;
    }
    this.stopStarted = true;
    const apps = [...this.children].filter(([label]) => label !== REDIS_LABEL);
    for (const [, child] of apps) {
      child.kill(signal);
    }
    await Promise.all(
      apps.map(async ([label, child]) => {
        if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
          fail(`${label} did not stop within ${STOP_TIMEOUT_MS} ms: killing it`);
          child.kill('SIGKILL');
          await waitForExit(child, KILL_TIMEOUT_MS);
        }
      }),
    );
    const redis = this.children.get(REDIS_LABEL);
    if (redis) {
      redis.kill('SIGTERM');
      await waitForExit(redis, KILL_TIMEOUT_MS);
    }
    this.exit(code);
  }
}
