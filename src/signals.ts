import { log } from './log';
import type { Supervisor } from './supervisor';

/**
 * SIGINT/SIGTERM stop the apps gracefully with that signal, once (the apps run in their own process group, so a
 * terminal's Ctrl-C reaches them only through here: a second SIGINT straight to them would cut Nest's drain short).
 * The same signal again kills them at once. If the launcher exits anyway, nothing is left running.
 */
export function handleSignals(supervisor: Supervisor): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (supervisor.stopping) {
        log(`${signal} again: killing the apps now`);
        supervisor.killAll();
        return;
      }
      log(`${signal}: stopping the apps`);
      void supervisor.stop(0, signal);
    });
  }
  process.on('exit', () => supervisor.killAll());
}
