import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../support/run-command';
import { LIMIT_ARGS, imageExists, podman } from './podman';

/** Debian suite whose `nodejs` is 20.x (trixie: 20.19; bookworm's is 18, forky's newer). */
const SUITE = 'trixie';

/**
 * The runtime base: Debian's nodejs and CA certificates, nothing else (no npm). Kept between runs under this name
 * (`podman rmi` it to rebuild from the mirror).
 */
export const RUNTIME_BASE = `localhost/nrs-node20-debian:${SUITE}`;

/** The build stage's base: the runtime base plus Debian's npm (which brings ~430 MB the runtime never needs). */
export const BUILD_BASE = `localhost/nrs-node20-debian-npm:${SUITE}`;

/** The two base images the Dockerfile is built from here (`BASE_IMAGE`, `BUILD_IMAGE`). */
export interface BaseImages {
  base: string;
  build: string;
  /** Seconds spent making base images in this run (0 when both were cached or given). */
  madeInSeconds: number;
}

const MINUTES = 60_000;

/** `node -v` in `image`, failing unless it is 20.x. */
async function checkNode20(image: string): Promise<void> {
  const { stdout } = await podman(['run', '--rm', ...LIMIT_ARGS, '--network', 'none', image, 'node', '-v']);
  const version = stdout.trim();
  if (!/^v20\./.test(version)) {
    throw new Error(`${image} has node ${version}, not 20.x: choose the Debian suite whose nodejs is 20`);
  }
}

/** Debian's nodejs into a tarball with mmdebstrap, imported as {@link RUNTIME_BASE}. */
async function makeRuntimeBase(): Promise<void> {
  if (spawnSync('mmdebstrap', ['--version']).status !== 0) {
    throw new Error(
      `${RUNTIME_BASE} is missing and mmdebstrap is not installed (apt-get install -y mmdebstrap)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'nrs-base-'));
  try {
    const tarball = join(dir, 'base.tar');
    await runCommand(
      'mmdebstrap',
      ['--variant=apt', '--include=nodejs,ca-certificates', SUITE, tarball],
      dir,
      15 * MINUTES,
    );
    await podman(['import', '--change', 'CMD ["node"]', tarball, RUNTIME_BASE], 5 * MINUTES);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** {@link RUNTIME_BASE} plus Debian's npm, built as {@link BUILD_BASE}. */
async function makeBuildBase(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nrs-build-base-'));
  try {
    writeFileSync(
      join(dir, 'Containerfile'),
      [
        `FROM ${RUNTIME_BASE}`,
        'RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends npm >/dev/null \\',
        '    && rm -rf /var/lib/apt/lists/*',
        '',
      ].join('\n'),
    );
    await podman(
      ['build', '--runtime', '/usr/sbin/runc', ...LIMIT_ARGS, '--network', 'host', '-t', BUILD_BASE, dir],
      15 * MINUTES,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The base images to build from: IMAGE_TEST_BASE_IMAGE / IMAGE_TEST_BUILD_IMAGE when set (e.g. node:20-bookworm-slim
 * where it can be pulled), else the Debian-made ones above, made once when missing and checked to run Node 20.
 */
export async function ensureBaseImages(): Promise<BaseImages> {
  const started = Date.now();
  const given = process.env.IMAGE_TEST_BASE_IMAGE;
  if (given) {
    return { base: given, build: process.env.IMAGE_TEST_BUILD_IMAGE || given, madeInSeconds: 0 };
  }
  let made = false;
  if (!imageExists(RUNTIME_BASE)) {
    await makeRuntimeBase();
    made = true;
  }
  await checkNode20(RUNTIME_BASE);
  if (!imageExists(BUILD_BASE)) {
    await makeBuildBase();
    made = true;
  }
  return { base: RUNTIME_BASE, build: BUILD_BASE, madeInSeconds: made ? (Date.now() - started) / 1000 : 0 };
}
