import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as admin from './admin';
import * as core from './index';
import * as metrics from './metrics';

const ROOT = join(__dirname, '..', '..', '..');

/** The node_modules packages a fresh Node process has loaded after requiring `entry` (a source file). */
function packagesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)});
    const names = new Set(Object.keys(require.cache).map((file) => {
      const match = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
      return match && match[1].replace(/\\\\/g, '/');
    }).filter(Boolean));
    process.stdout.write(JSON.stringify([...names]));`;
  const output = execFileSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script],
    { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' }, encoding: 'utf8' },
  );
  return JSON.parse(output) as string[];
}

// Growing an entry point is a decision: add the name here, and say why in the commit.
describe('entry points', () => {
  // 30 until issue 14: request-reply, idempotency and the breaker each add what a caller must name (errors, decorators).
  it('the core exports at most 36 values, these', () => {
    const names = Object.keys(core).sort();
    expect(names).toEqual(
      [
        'BadEntryError',
        'ClientRedisStreams',
        'ConsumerNameInUseError',
        'ConsumerNameLostError',
        'DEFAULT_CLIENT_OPTIONS',
        'DEFAULT_DELIVERY_POLICY',
        'DEFAULT_REDIS_URL',
        'DEFAULT_SERVER_OPTIONS',
        'ENVELOPE_FIELDS',
        'EmitEvent',
        'Idempotent',
        'InvalidEventError',
        'InvalidOptionsError',
        'REDIS_STREAMS_TRANSPORT',
        'RedisCommandError',
        'RedisStreamsContext',
        'RedisStreamsError',
        'RedisStreamsExceptionFilter',
        'RedisStreamsHealthIndicator',
        'RedisStreamsModule',
        'RedisStreamsRecord',
        'RequestTimeoutError',
        'ServerRedisStreams',
        'StreamKeys',
        'UnrecoverableEventError',
        'currentTraceparent',
        'deliveryPolicy',
        'describeError',
        'getRedisStreamsClientToken',
        'isValidTraceparent',
        'redisStreamsValidationExceptionFactory',
        'runWithTraceparent',
      ].sort(),
    );
    expect(names.length).toBeLessThanOrEqual(36);
  });

  it('admin and metrics export their facades and the helpers around them', () => {
    expect(Object.keys(admin).sort()).toEqual(
      [
        'DEFAULT_TAIL_BLOCK_MS',
        'DEFAULT_TAIL_COUNT',
        'RedisStreamsAdmin',
        'StreamTail',
        'budgetBreaches',
        'compileTypeFilter',
        'deadLetterStreamsOf',
        'describeBreach',
        'isCompleteEntryId',
        'isEmptyBudget',
        'loadTopology',
        'parseTailPosition',
        'parseTopology',
      ].sort(),
    );
    expect(Object.keys(metrics).sort()).toEqual(
      [
        'DEFAULT_DURATION_BUCKETS',
        'DEFAULT_INSPECT_TIMEOUT_MS',
        'DEFAULT_MAX_PATTERNS',
        'DEFAULT_METRICS_PREFIX',
        'RedisStreamsMetrics',
      ].sort(),
    );
  });

  it('requiring the core loads none of prom-client, yaml, commander or an OpenTelemetry SDK', () => {
    const loaded = packagesLoadedBy('./libs/redis-streams/src/index.ts');
    expect(loaded).toEqual(expect.arrayContaining(['ioredis', '@nestjs/microservices']));
    expect(loaded.filter((name) => /^(prom-client|yaml|commander|@opentelemetry\/sdk-)/.test(name))).toEqual(
      [],
    );
  }, 30_000);

  it('admin loads yaml but not prom-client; metrics loads prom-client but not yaml; neither commander', () => {
    const forAdmin = packagesLoadedBy('./libs/redis-streams/src/admin/index.ts');
    const forMetrics = packagesLoadedBy('./libs/redis-streams/src/metrics/index.ts');
    expect(forAdmin).toContain('yaml');
    expect(forAdmin.filter((name) => /^(prom-client|commander)$/.test(name))).toEqual([]);
    expect(forMetrics).toContain('prom-client');
    expect(forMetrics.filter((name) => /^(yaml|commander)$/.test(name))).toEqual([]);
  }, 30_000);
});
