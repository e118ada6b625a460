import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { Ran, runCommand } from '../support/run-command';

/** Where Debian's `runc` package puts the runtime podman is told to use. */
export const RUNC = '/usr/sbin/runc';

/**
 * How podman runs here as root: runc with cgroupfs (no systemd), explicit limits (the defaults copy the host's and
 * runc may not raise them) and the host's network (the containers reach a redis-server on loopback).
 */
const GLOBAL_ARGS = ['--runtime', RUNC, '--cgroup-manager', 'cgroupfs'];
export const LIMIT_ARGS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

/** What is missing for this tier, one line each (empty when podman and runc are there). */
export function missingTools(): string[] {
  const missing: string[] = [];
  if (spawnSync('podman', ['--version']).status !== 0) {
    missing.push('podman is not installed (apt-get install -y podman runc mmdebstrap)');
  }
  if (!existsSync(RUNC)) {
    missing.push(`${RUNC} is missing (apt-get install -y runc)`);
  }
  return missing;
}

/** `podman <args>` with the global flags above; rejects with its output when it fails or outlives `timeoutMs`. */
export function podman(args: string[], timeoutMs = 60_000): Promise<Ran> {
  return runCommand('podman', [...GLOBAL_ARGS, ...args], process.cwd(), timeoutMs);
}

/** `podman <args>`, resolving with its exit code and output instead of rejecting on a non-zero exit. */
export function podmanStatus(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('podman', [...GLOBAL_ARGS, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** True when the image exists in podman's local storage. */
export function imageExists(image: string): boolean {
  return podmanStatus(['image', 'exists', image]).status === 0;
}

/** The ids of every image in local storage, intermediate ones included. */
export async function allImageIds(): Promise<Set<string>> {
  const { stdout } = await podman(['images', '--all', '--quiet', '--no-trunc']);
  return new Set(stdout.split('\n').filter((line) => line.trim() !== ''));
}

/** Size of an image in MB (podman's own count, the layers' unpacked size). */
export async function imageSizeMb(image: string): Promise<number> {
  const { stdout } = await podman(['image', 'inspect', '--format', '{{.Size}}', image]);
  return Math.round(Number(stdout.trim()) / 1_000_000);
}
