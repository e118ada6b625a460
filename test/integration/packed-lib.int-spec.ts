import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { Redis } from 'ioredis';
import { uniqueName } from '../support/names';
import { IS_WINDOWS, childEnv, runCommand as run } from '../support/run-command';
import { waitFor } from '../support/wait';

/**
 * The library as an outside project gets it: `npm run build:lib`, `npm pack` of dist/libs/redis-streams, then
 * `npm install <tarball>` with its peers into a fresh directory outside the repo, a tiny Nest app importing only
 * 'nest-redis-streams' compiled by that directory's own tsc, run against the real Redis.
 */

const ROOT = join(__dirname, '..', '..');
const LIB_OUT = join(ROOT, 'dist', 'libs', 'redis-streams');
const GROUP = 'outside-app';

/** The version of `name` the repo has installed (so the outside install is served from npm's cache). */
function repoVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The outside app's only source file. It may import the library by its package name only. */
const OUTSIDE_APP_SOURCE = `import 'reflect-metadata';
import { Controller, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  EmitEvent,
  RedisStreamsContext,
  RedisStreamsModule,
  ServerRedisStreams,
} from 'nest-redis-streams';
import { RedisStreamsAdmin } from 'nest-redis-streams/admin';
import { RedisStreamsMetrics } from 'nest-redis-streams/metrics';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(name + ' is not set');
  }
  return value;
}

const url = requiredEnv('REDIS_URL');
const pattern = requiredEnv('OUTSIDE_APP_PATTERN');
const payload: unknown = JSON.parse(requiredEnv('OUTSIDE_APP_PAYLOAD'));

interface Handled {
  payload: unknown;
  entryId: string;
  stream: string;
  group: string;
  deliveryCount: number;
}

const handled: Handled[] = [];

@Controller()
class OutsideEventsController {
  @EventPattern(pattern)
  onEvent(@Payload() data: unknown, @Ctx() ctx: RedisStreamsContext): void {
    handled.push({
      payload: data,
      entryId: ctx.getEntryId(),
      stream: ctx.getStream(),
      group: ctx.getGroup(),
      deliveryCount: ctx.getDeliveryCount(),
    });
  }
}

@Injectable()
class OutsideProducer {
  @EmitEvent(pattern)
  produce(): Promise<{ via: string }> {
    return Promise.resolve({ via: 'EmitEvent' });
  }
}

@Module({
  imports: [RedisStreamsModule.forRoot({ url })],
  controllers: [OutsideEventsController],
  providers: [OutsideProducer],
})
class OutsideAppModule {}

async function until(probe: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) {
      throw new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main(): Promise<void> {
  const server = new ServerRedisStreams({ url, group: 'outside-app' });
  const registry = new Registry();
  new RedisStreamsMetrics({ registry }).observeServer(server);
  const app = await NestFactory.createMicroservice(OutsideAppModule, {
    strategy: server,
    logger: ['error', 'warn'],
  });
  await app.listen();
  const client = new ClientRedisStreams({ url });
  let entryId: string;
  let produced: unknown;
  try {
    entryId = await lastValueFrom(client.emit<string>(pattern, payload));
    await until(() => handled.length > 0, 'the handler', 20000);
    produced = await app.get(OutsideProducer).produce();
    await until(() => handled.length > 1, 'the handler of the @EmitEvent event', 20000);
  } finally {
    await client.close();
    await app.close();
  }
  const manifest = require('nest-redis-streams/package.json') as { version: string };
  const redis = new Redis(url);
  const [inspected] = await new RedisStreamsAdmin(redis).inspect([pattern]);
  redis.disconnect();
  const exposition = await registry.metrics();
  const result = {
    inspected: { length: inspected.length, groups: inspected.groups.map((group) => group.name) },
    metricsHandled: exposition.split('\\n').filter((line) => line.startsWith('redis_streams_handled_total{')),
    entryId,
    produced,
    handled,
    stats: server.getStats(),
    resolvedFrom: require.resolve('nest-redis-streams'),
    version: manifest.version,
  };
  process.stdout.write('RESULT ' + JSON.stringify(result) + '\\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const OUTSIDE_APP_TSCONFIG = {
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

interface OutsideAppResult {
  entryId: string;
  produced: unknown;
  handled: Array<{ payload: unknown; entryId: string; stream: string; group: string; deliveryCount: number }>;
  stats: { handled: number; acked: number; failed: number; rejected: number };
  resolvedFrom: string;
  version: string;
  inspected: { length: number; groups: string[] };
  metricsHandled: string[];
}

interface PackReport {
  filename: string;
  files: Array<{ path: string }>;
}

describe('the packed library in an outside Nest app', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const stream = uniqueName('packed-lib');
  const tempDirs: string[] = [];

  function tempDir(label: string): string {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), `nrs-${label}-`)));
    tempDirs.push(dir);
    return dir;
  }

  afterAll(async () => {
    await redis.del(stream, `{${stream}}:retry:outside-app`);
    redis.disconnect();
    for (const dir of tempDirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds, packs, installs from the tarball, compiles with the app tsc and delivers an emitted and an @EmitEvent event', async () => {
    const npm = IS_WINDOWS ? 'npm.cmd' : 'npm';
    const libManifest = JSON.parse(
      readFileSync(join(ROOT, 'libs', 'redis-streams', 'package.json'), 'utf8'),
    ) as {
      name: string;
      version: string;
    };

    const build = await run(npm, ['run', 'build:lib'], ROOT, 120_000);

    const packDir = tempDir('pack');
    const pack = await run(npm, ['pack', LIB_OUT, '--pack-destination', packDir, '--json'], ROOT, 60_000);
    const [report] = JSON.parse(pack.stdout) as PackReport[];
    const packed = report.files.map((file) => file.path);
    expect(packed).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'WIRE.md',
        'index.js',
        'index.d.ts',
        'admin/index.js',
        'admin/index.d.ts',
        'metrics/index.js',
        'metrics/index.d.ts',
      ]),
    );
    expect(
      packed.filter(
        (file) => !/\.(js|d\.ts)$/.test(file) && !/^(package\.json|README\.md|WIRE\.md|LICENSE)$/.test(file),
      ),
    ).toEqual([]);
    expect(packed.filter((file) => /\.(int-)?spec\.|\.map$/.test(file))).toEqual([]);
    const tarball = join(packDir, report.filename);

    const appDir = tempDir('outside-app');
    const fromRepo = relative(ROOT, appDir);
    expect(fromRepo === '..' || fromRepo.startsWith(`..${sep}`) || isAbsolute(fromRepo)).toBe(true);
    writeFileSync(
      join(appDir, 'package.json'),
      JSON.stringify({ name: 'outside-app', version: '0.0.0', private: true, type: 'commonjs' }, null, 2),
    );
    writeFileSync(join(appDir, 'tsconfig.json'), JSON.stringify(OUTSIDE_APP_TSCONFIG, null, 2));
    mkdirSync(join(appDir, 'src'));
    writeFileSync(join(appDir, 'src', 'main.ts'), OUTSIDE_APP_SOURCE);

    const dependencies = [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/microservices',
      'reflect-metadata',
      'rxjs',
      'ioredis',
      'prom-client',
      'typescript',
      '@types/node',
    ].map((name) => `${name}@${repoVersion(name)}`);
    const install = await run(
      npm,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        '--prefix',
        appDir,
        tarball,
        ...dependencies,
      ],
      appDir,
      150_000,
    );

    const tsc = await run(
      process.execPath,
      [join(appDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(appDir, 'tsconfig.json')],
      appDir,
      60_000,
    );

    const payload = { orderId: 'outside-1', items: ['a', 'b'], nested: { ok: true }, n: 3 };
    const app = await run(
      process.execPath,
      [join(appDir, 'dist', 'main.js')],
      appDir,
      30_000,
      childEnv({
        REDIS_URL: process.env.REDIS_URL as string,
        OUTSIDE_APP_PATTERN: stream,
        OUTSIDE_APP_PAYLOAD: JSON.stringify(payload),
      }),
    );
    console.log(
      `packed-lib: build:lib ${build.ms} ms, npm pack ${pack.ms} ms, npm install ${install.ms} ms, ` +
        `tsc ${tsc.ms} ms, outside app run ${app.ms} ms`,
    );

    const line = app.stdout.split('\n').find((text) => text.startsWith('RESULT '));
    if (!line) {
      throw new Error(`the outside app printed no RESULT line:\n${app.stdout}\n${app.stderr}`);
    }
    const result = JSON.parse(line.slice('RESULT '.length)) as OutsideAppResult;

    expect(result.resolvedFrom.startsWith(join(appDir, 'node_modules', libManifest.name) + sep)).toBe(true);
    expect(result.version).toBe(libManifest.version);
    expect(result.entryId).toMatch(/^\d+-\d+$/);
    const emitted = { via: 'EmitEvent' };
    expect(result.produced).toEqual(emitted);
    const viaDecorator = result.handled[1]?.entryId ?? '';
    expect(viaDecorator).toMatch(/^\d+-\d+$/);
    expect(result.handled).toEqual([
      { payload, entryId: result.entryId, stream, group: GROUP, deliveryCount: 1 },
      { payload: emitted, entryId: viaDecorator, stream, group: GROUP, deliveryCount: 1 },
    ]);
    expect(result.stats).toMatchObject({ handled: 2, acked: 2, failed: 0, rejected: 0 });
    // The admin and metrics entry points, as an outside app imports them.
    expect(result.inspected).toEqual({ length: 2, groups: [GROUP] });
    expect(result.metricsHandled).toEqual([expect.stringMatching(/^redis_streams_handled_total\{.*\} 2$/)]);
    // Requiring the core alone loads none of the optional or admin-only packages.
    const loaded = await run(
      process.execPath,
      [
        '-e',
        "require('nest-redis-streams'); process.stdout.write(JSON.stringify(Object.keys(require.cache)))",
      ],
      appDir,
      30_000,
    );
    const modules = JSON.parse(loaded.stdout) as string[];
    expect(modules.some((file) => file.includes(`${sep}nest-redis-streams${sep}`))).toBe(true);
    expect(
      modules.filter((file) =>
        /node_modules[\\/](prom-client|yaml|commander|@opentelemetry[\\/]sdk-)/.test(file),
      ),
    ).toEqual([]);

    expect(await redis.xlen(stream)).toBe(2);
    await waitFor(
      async () => ((await redis.xpending(stream, GROUP)) as [number])[0] === 0,
      'no pending entries for the outside-app group',
      5000,
    );

    // The package's bin, as `npx nest-redis-streams` runs it in the outside project.
    const cli = await run(
      npm,
      ['exec', '--no', '--', 'nest-redis-streams', 'status', stream, '--json'],
      appDir,
      30_000,
      childEnv({ REDIS_URL: process.env.REDIS_URL as string }),
    );
    const status = JSON.parse(cli.stdout) as {
      streams: Array<{ length: number; groups: Array<{ name: string }> }>;
    };
    expect(status.streams[0].length).toBe(2);
    expect(status.streams[0].groups.map((group) => group.name)).toEqual([GROUP]);
  }, 240_000);
});
