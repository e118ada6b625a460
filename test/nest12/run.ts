/**
 * `npm run test:nest12 [-- --only esm,emit,send]`: the packed library in a Nest 12 app (ESM), outside jest (jest on
 * Node 20 cannot load ESM-only Nest 12; see DESIGN.md §2). Builds and packs the library, installs the tarball with
 * the pinned Nest 12 into a fresh `"type": "module"` directory outside the repo (a peer range that refuses Nest 12
 * fails the install), compiles test/nest12/app there with its own TypeScript against Nest 12's types, and runs it
 * against REDIS_URL (default redis://127.0.0.1:6379): ESM named imports, one emit → @EventPattern handler, one
 * send → @MessagePattern reply. Prints one PASS/FAIL line per check and exits 1 on any failure; every step is
 * bounded (its process group is killed on timeout); the temp directory and the run's Redis keys are removed.
 */
import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CommandFailedError, IS_WINDOWS, childEnv, runCommand, tail } from '../support/run-command';

const ROOT = join(__dirname, '..', '..');
const LIB_OUT = join(ROOT, 'dist', 'libs', 'redis-streams');
const APP_SOURCE = join(__dirname, 'app', 'src', 'main.ts');
const NPM = IS_WINDOWS ? 'npm.cmd' : 'npm';

/**
 * The Nest 12 the check runs on. Every @nestjs/common 12.x depends on file-type 22 (`engines: node >=22`, npm warns
 * EBADENGINE on Node 20); Nest loads it only inside FileTypeValidator (a dynamic import), which a microservice
 * never reaches.
 */
const NEST12: Record<string, string> = {
  '@nestjs/common': '12.5.1',
  '@nestjs/core': '12.5.1',
  '@nestjs/microservices': '12.1.1',
};

/** Installed at the repo's own versions (TypeScript 5.9.3 compiles the app). */
const AT_REPO_VERSION = [
  'reflect-metadata',
  'rxjs',
  'ioredis',
  'prom-client',
  '@opentelemetry/api',
  'typescript',
  '@types/node',
];

const CHECKS = ['esm', 'emit', 'send'] as const;
type Check = (typeof CHECKS)[number];
/** The PASS/FAIL label the app prints for each check. */
const LABELS: Record<Check, string> = {
  esm: 'esm named imports',
  emit: 'emit → handle',
  send: 'send → reply',
};

const TIMEOUT_MS = { build: 180_000, pack: 60_000, install: 300_000, tsc: 120_000, app: 90_000 };
/** How long the app waits for a handler or a reply. */
const APP_WAIT_MS = 20_000;

const APP_TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: false,
    forceConsistentCasingInFileNames: true,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

function log(line: string): void {
  console.log(`nest12: ${line}`);
}

function parseChecks(argv: string[]): Check[] {
  if (argv.length === 0) {
    return [...CHECKS];
  }
  const [flag, value, ...rest] = argv;
  const names = value?.split(',') ?? [];
  if (flag !== '--only' || names.length === 0 || rest.length > 0) {
    throw new Error(`usage: npm run test:nest12 [-- --only ${CHECKS.join(',')}] (got: ${argv.join(' ')})`);
  }
  const unknown = names.filter((name) => !(CHECKS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(`--only: unknown check(s) ${unknown.join(', ')}; known: ${CHECKS.join(', ')}`);
  }
  return names as Check[];
}

function repoVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await body();
  log(`${name} ok (${Date.now() - started} ms)`);
  return result;
}

/** Deletes every key of this run (all names carry `id`, including the retry lanes derived from them). */
async function deleteKeys(redis: Redis, id: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${id}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      deleted += await redis.del(...keys);
    }
  } while (cursor !== '0');
  return deleted;
}

/** Builds, packs, installs and compiles the app in `dir`; returns the app's directory. */
async function prepareApp(dir: string): Promise<string> {
  await step('build:lib', () => runCommand(NPM, ['run', 'build:lib'], ROOT, TIMEOUT_MS.build));
  const packDir = join(dir, 'pack');
  mkdirSync(packDir);
  const pack = await step('npm pack', () =>
    runCommand(NPM, ['pack', LIB_OUT, '--pack-destination', packDir, '--json'], ROOT, TIMEOUT_MS.pack),
  );
  const [report] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
  const tarball = join(packDir, report.filename);

  const appDir = join(dir, 'app');
  mkdirSync(join(appDir, 'src'), { recursive: true });
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({ name: 'nest12-app', version: '0.0.0', private: true, type: 'module' }, null, 2),
  );
  writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify(APP_TSCONFIG, null, 2));
  copyFileSync(APP_SOURCE, join(appDir, 'src', 'main.ts'));

  const dependencies = [
    ...Object.entries(NEST12).map(([name, version]) => `${name}@${version}`),
    ...AT_REPO_VERSION.map((name) => `${name}@${repoVersion(name)}`),
  ];
  // No --legacy-peer-deps: a library peer range that excludes Nest 12 must fail here (ERESOLVE).
  const install = await step('npm install (Nest 12 + the tarball)', () =>
    runCommand(
      NPM,
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--prefix',
        appDir,
        tarball,
        ...dependencies,
      ],
      appDir,
      TIMEOUT_MS.install,
    ),
  );
  for (const [, pkg, required] of install.stderr.matchAll(
    /EBADENGINE\s+package: '([^']+)',\s*npm warn EBADENGINE\s+required: ([^\n]+)/g,
  )) {
    log(`install warning: EBADENGINE ${pkg} requires ${required.trim().replace(/,$/, '')}`);
  }
  for (const [name, pinned] of Object.entries(NEST12)) {
    const installed = (
      JSON.parse(readFileSync(join(appDir, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    if (installed !== pinned) {
      throw new Error(`${name} installed at ${installed}, not the pinned ${pinned}`);
    }
  }

  await step('tsc (Nest 12 types, NodeNext, ESM)', () =>
    runCommand(
      process.execPath,
      [join(appDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(appDir, 'tsconfig.json')],
      appDir,
      TIMEOUT_MS.tsc,
    ),
  );
  return appDir;
}

/** Runs the app; returns the checks that printed no PASS line. */
async function runApp(appDir: string, checks: Check[], redisUrl: string, id: string): Promise<Check[]> {
  const env = childEnv({
    NEST12_REDIS_URL: redisUrl,
    NEST12_EVENT_PATTERN: `${id}.order-placed`,
    NEST12_REQUEST_PATTERN: `${id}.add`,
    NEST12_GROUP: `${id}-group`,
    NEST12_WAIT_MS: String(APP_WAIT_MS),
    NEST12_ONLY: checks.join(','),
    NO_COLOR: '1',
  });
  let stdout: string;
  let failure: Error | undefined;
  try {
    const ran = await runCommand(
      process.execPath,
      [join(appDir, 'dist', 'main.js')],
      appDir,
      TIMEOUT_MS.app,
      env,
    );
    stdout = ran.stdout;
    for (const line of tail(ran.stderr, 20).split('\n').filter(Boolean)) {
      log(`app stderr: ${line}`);
    }
  } catch (error) {
    if (!(error instanceof CommandFailedError)) {
      throw error;
    }
    stdout = error.stdout;
    failure = error;
  }
  const lines = stdout.split('\n').filter((line) => /^(PASS|FAIL) /.test(line));
  for (const line of lines) {
    log(line);
  }
  const failed = checks.filter((check) => !lines.some((line) => line.startsWith(`PASS ${LABELS[check]}:`)));
  for (const check of failed.filter((c) => !lines.some((line) => line.startsWith(`FAIL ${LABELS[c]}:`)))) {
    log(`FAIL ${LABELS[check]}: the app printed no result for it`);
  }
  if (failure && failed.length === 0) {
    throw failure; // every check passed, yet the app failed (e.g. its shutdown): still a failure
  }
  if (failure) {
    log(`the app failed:\n${tail(failure.message, 30)}`);
  }
  return failed;
}

async function main(): Promise<boolean> {
  const checks = parseChecks(process.argv.slice(2));
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const shownUrl = redisUrl.replace(/\/\/[^@/]*@/, '//');
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `no Redis answers at ${shownUrl}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const id = `nest12-${randomBytes(4).toString('hex')}`;
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'nrs-nest12-')));
  log(`checks ${checks.join(', ')}; Redis ${shownUrl}; keys *${id}*; temp ${dir}`);
  try {
    const appDir = await prepareApp(dir);
    const started = Date.now();
    const failed = await runApp(appDir, checks, redisUrl, id);
    log(`app run finished (${Date.now() - started} ms)`);
    log(`${checks.length - failed.length} passed, ${failed.length} failed`);
    return failed.length === 0;
  } finally {
    const deleted = await deleteKeys(redis, id);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
    log(`cleaned up (${deleted} Redis keys, temp dir)`);
  }
}

main().then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  (error: unknown) => {
    log(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
