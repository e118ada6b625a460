import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys, UnrecoverableEventError } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';
import { PrivateRedis } from '../support/redis-server';

/**
 * The CLI as users run it: the library is built (`npm run build:lib`) and its bin, dist/…/cli/main.js, runs as a
 * child process against the real Redis. Output and exit codes are what scripts see.
 */

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'libs', 'redis-streams', 'cli', 'main.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, STREAMS_TOPOLOGY: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function json<T>(args: string[], env?: NodeJS.ProcessEnv): Promise<T> {
  const ran = await cli([...args, '--json'], env);
  if (ran.code !== 0) {
    throw new Error(`exit ${ran.code}: ${ran.stderr}`);
  }
  return JSON.parse(ran.stdout) as T;
}

describe('nest-redis-streams CLI (the built binary, real Redis)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const stream = uniqueName('cli');
  const other = uniqueName('cli-topology');
  const dir = mkdtempSync(join(tmpdir(), 'nrs-cli-'));
  const topologyFile = join(dir, 'streams.yaml');
  let consumer: TestConsumer | undefined;

  beforeAll(() => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-lib.js')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) {
      throw new Error(`build:lib failed: ${build.stdout}${build.stderr}`);
    }
    writeFileSync(
      topologyFile,
      [`streams:`, `  ${JSON.stringify(other)}:`, `    groups: [g1, g2]`, `    minRetentionMs: 0`, ''].join(
        '\n',
      ),
    );
  }, 180_000);

  afterAll(async () => {
    await consumer?.close();
    await redis.del(
      stream,
      other,
      StreamKeys.deadLetter(stream),
      StreamKeys.deadLetterLog(stream),
      StreamKeys.retryLane(stream, 'refuser'),
    );
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('status prints the table and --json the numbers; --check exits 3 past a threshold', async () => {
    await redis.xgroup('CREATE', stream, 'readers', '0', 'MKSTREAM');
    for (let i = 0; i < 5; i++) {
      await redis.xadd(stream, '*', 'type', 'cli.test', 'data', JSON.stringify({ i }));
    }
    await redis.xreadgroup('GROUP', 'readers', 'c1', 'COUNT', 2, 'STREAMS', stream, '>');

    const table = await cli(['status', stream]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^STREAM\s+LENGTH\s+GROUP\s+CONSUMERS\s+PENDING\s+LAG\s+RETRIES\s+BACKLOG\s+OLDEST PENDING\s+DLQ$/,
    );
    expect(lines[1].split(/\s{2,}/)).toEqual([
      stream,
      '5',
      'readers',
      '1',
      '2',
      '3',
      '0',
      '5',
      expect.any(String),
      '0',
    ]);

    const status = await json<{ streams: Array<{ length: number; groups: Array<Record<string, unknown>> }> }>(
      ['status', stream],
    );
    expect(status.streams[0].length).toBe(5);
    expect(status.streams[0].groups[0]).toMatchObject({ name: 'readers', pending: 2, lag: 3, backlog: 5 });

    const breached = await cli(['status', stream, '--check', '--max-backlog', '4']);
    expect(breached.code).toBe(3);
    expect(breached.stderr).toContain(`check failed: ${stream} / readers: backlog 5 > 4`);
    expect((await cli(['status', stream, '--check', '--max-backlog', '5'])).code).toBe(0);
  });

  it('pending lists the PEL; a missing group exits 4', async () => {
    const pending = await json<{ total: number; entries: Array<{ consumer: string; deliveries: number }> }>([
      'pending',
      stream,
      'readers',
    ]);
    expect(pending.total).toBe(2);
    expect(pending.entries.map((entry) => [entry.consumer, entry.deliveries])).toEqual([
      ['c1', 1],
      ['c1', 1],
    ]);
    const missing = await cli(['pending', stream, 'nobody']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain(`no group nobody on stream ${stream}`);
  });

  it('init applies the topology file once; the second run creates nothing', async () => {
    const first = await json<{ created: unknown[]; existing: unknown[] }>(['init', '--config', topologyFile]);
    expect(first.created).toEqual([
      { stream: other, group: 'g1', start: '0' },
      { stream: other, group: 'g2', start: '0' },
    ]);
    const second = await json<{ created: unknown[]; existing: unknown[] }>(['init'], {
      STREAMS_TOPOLOGY: topologyFile,
    });
    expect(second.created).toEqual([]);
    expect(second.existing).toHaveLength(2);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'streams:\n  s:\n    groups: [{ name: g, start: soon }]\n');
    const refused = await cli(['init', '--config', broken]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/start must be/);
  });

  it('dlq ls / show / redrive / purge, with confirmation and exit codes', async () => {
    consumer = await startConsumer(
      [
        eventController(stream, () => {
          throw new UnrecoverableEventError('no thanks');
        }),
      ],
      { group: 'refuser', startId: '$' },
    );
    const client = new ClientRedisStreams();
    await lastValueFrom(client.emit(stream, { n: 1 }));
    await lastValueFrom(client.emit(stream, { n: 2 }));
    await client.close();
    await waitFor(async () => (await redis.xlen(StreamKeys.deadLetter(stream))) === 2, 'two dead letters');
    await consumer.close();
    consumer = undefined;

    const records = await json<Array<{ id: string; group: string; reason: string }>>(['dlq', 'ls', stream]);
    expect(records.map((record) => [record.group, record.reason])).toEqual([
      ['refuser', 'unrecoverable'],
      ['refuser', 'unrecoverable'],
    ]);
    const human = await cli(['dlq', 'ls', stream, '--group', 'refuser']);
    expect(human.stdout).toContain('2 dead letter(s)');
    expect(human.stdout).toContain('no thanks');
    const shown = await json<{ errorMessage: string; fields: Record<string, string> }>([
      'dlq',
      'show',
      stream,
      records[0].id,
    ]);
    expect(shown.errorMessage).toBe('no thanks');
    expect(JSON.parse(shown.fields.data)).toEqual({ n: 1 });
    expect((await cli(['dlq', 'show', stream, '1-1'])).code).toBe(4);

    const dry = await json<{ dryRun: boolean; redriven: unknown[] }>([
      'dlq',
      'redrive',
      stream,
      records[0].id,
      '--dry-run',
    ]);
    expect(dry).toMatchObject({
      dryRun: true,
      redriven: [{ deadLetterId: records[0].id, group: 'refuser' }],
    });
    expect(await redis.xlen(StreamKeys.retryLane(stream, 'refuser'))).toBe(0);
    const done = await cli(['dlq', 'redrive', stream, records[0].id, '--by', 'cli-test']);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`redriven ${records[0].id} → group refuser`);
    expect(await redis.xlen(StreamKeys.retryLane(stream, 'refuser'))).toBe(1);
    expect((await cli(['dlq', 'redrive', stream])).code).toBe(2);

    const unconfirmed = await cli(['dlq', 'purge', stream, '--all']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(1);
    expect(await json(['dlq', 'purge', stream, '--all', '--yes'])).toMatchObject({ purged: 1 });
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0);
  });

  it('trim --dry-run shows what would go; trim removes only what every group acknowledged', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await redis.xadd(other, '*', 'type', 't', 'data', '{}')) as string);
    }
    for (const group of ['g1', 'g2']) {
      await redis.xreadgroup('GROUP', group, 'c', 'COUNT', group === 'g1' ? 4 : 2, 'STREAMS', other, '>');
    }
    await redis.xack(other, 'g1', ...ids);
    await redis.xack(other, 'g2', ids[0], ids[1]);
    const dry = await json<{ streams: Array<{ stream: string; removed: number; status: string }> }>([
      'trim',
      other,
      '--dry-run',
    ]);
    expect(dry.streams).toHaveLength(1);
    expect(dry.streams[0]).toMatchObject({ stream: other, status: 'dry-run', removed: 2 });
    expect(await redis.xlen(other)).toBe(4);
    const trimmed = await cli(['trim', '--config', topologyFile]);
    expect(trimmed.code).toBe(0);
    expect(trimmed.stdout).toMatch(
      new RegExp(`${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+trimmed\\s+\\S+\\s+2`),
    );
    expect((await redis.xrange(other, '-', '+')).map(([id]) => id)).toEqual(ids.slice(2));
  });

  it('tail --from 0 --count prints the events as JSON lines', async () => {
    const ran = await cli(['tail', stream, '--from', '0', '--count', '3', '--json']);
    expect(ran.code).toBe(0);
    const events = ran.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; data: unknown });
    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['cli.test', { i: 0 }],
      ['cli.test', { i: 1 }],
      ['cli.test', { i: 2 }],
    ]);
  });

  it('fails loudly and safely: unreachable Redis exits 1 without the password, bad usage exits 2', async () => {
    const down = await cli(['status', '--url', 'redis://admin:s3cret@127.0.0.1:1']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach Redis at redis://admin:***@127.0.0.1:1');
    expect(down.stderr).not.toContain('s3cret');
    expect((await cli(['status', '--max-backlog', 'lots'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('dlq');
  });

  it("init --config applies seed 002's topology; dlq ls reads a stream's named dead-letter stream from it", async () => {
    const server = await PrivateRedis.start();
    const seeded = new Redis(server.url);
    try {
      const seed = join(ROOT, 'config', 'seed-002-streams.yaml');
      const applied = await json<{ created: Array<{ stream: string; group: string }> }>([
        'init',
        '--config',
        seed,
        '--url',
        server.url,
      ]);
      expect(applied.created.map((row) => `${row.stream}/${row.group}`)).toEqual([
        'email.received/email-processor',
        'document.processed/document-indexer',
        'pipeline.error/error-handler',
        'service.down/monitoring',
        'trust.level.changed/trust-manager',
        'action.corrected/feedback-loop',
        'action.validated/trust-manager',
      ]);
      // A record as the transport writes it (dlq_* fields), in the seed's <stream>:dead_letter.
      await seeded.xadd(
        'email.received:dead_letter',
        '*',
        'type',
        'email.received',
        'data',
        '{}',
        'dlq_stream',
        'email.received',
        'dlq_group',
        'email-processor',
        'dlq_reason',
        'unrecoverable',
        'dlq_error_message',
        'bad mail',
      );
      const named = await json<Array<{ reason: string; errorMessage: string }>>([
        'dlq',
        'ls',
        'email.received',
        '--config',
        seed,
        '--url',
        server.url,
      ]);
      expect(named.map((record) => [record.reason, record.errorMessage])).toEqual([
        ['unrecoverable', 'bad mail'],
      ]);
      const unnamed = await json<unknown[]>(['dlq', 'ls', 'email.received', '--url', server.url]);
      expect(unnamed).toEqual([]);
    } finally {
      seeded.disconnect();
      await server.destroy();
    }
  });
});
