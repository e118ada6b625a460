import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { prefixOutput } from './prefix-output';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True when `redis-server` is on the PATH and runs. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Why no throwaway redis-server may stand in for `url`, or undefined when one may: only on this machine, only without
 * credentials (the apps would send an AUTH it cannot answer), and only when the binary exists.
 */
export function throwawayRedisRefusal(url: URL, redisServerInstalled: () => boolean): string | undefined {
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    return 'it is not a loopback address, so no local redis-server is started for it';
  }
  if (url.password || url.username) {
    return 'the URL has credentials, which a throwaway redis-server would not have';
  }
  if (!redisServerInstalled()) {
    return 'redis-server is not on the PATH';
  }
  return undefined;
}

/**
 * Starts a redis-server on 127.0.0.1:`port` that keeps nothing (no RDB, no AOF), its output prefixed `[redis]`. In
 * its own process group, like the apps, so a terminal's Ctrl-C does not stop it before they have drained.
 */
export function spawnThrowawayRedis(port: string): ChildProcess {
  const child = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  prefixOutput(child.stdout, '[redis]', process.stdout);
  prefixOutput(child.stderr, '[redis]', process.stderr);
  return child;
}
