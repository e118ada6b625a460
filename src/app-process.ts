import { ChildProcess, spawn } from 'node:child_process';
import type { LauncherConfig } from './launcher-config';
import { prefixOutput } from './prefix-output';

/**
 * Starts one built app (`node <main>` in the workspace root) with the launcher's Redis URL and ports in its
 * environment, its output prefixed `[<label>]`. In its own process group: a terminal's Ctrl-C reaches it only as
 * the one signal the launcher forwards.
 */
export function spawnApp(label: string, main: string, root: string, config: LauncherConfig): ChildProcess {
  const child = spawn(process.execPath, [main], {
    cwd: root,
    env: {
      ...process.env,
      REDIS_URL: config.redisUrl,
      PORT: config.apiPort,
      CONSUMER_PORT: config.consumerPort,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  prefixOutput(child.stdout, `[${label}]`, process.stdout);
  prefixOutput(child.stderr, `[${label}]`, process.stderr);
  return child;
}
