import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cluster } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import {
  ClientRedisStreams,
  RedisStreamsExceptionFilter,
  ServerRedisStreams,
  StreamKeys,
  UnrecoverableEventError,
} from '@app/redis-streams';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { RedisConnection, groupBySlot } from '@app/redis-streams/redis/redis-connection';
import { redisFromUrl } from '@app/redis-streams/redis/redis-url';
import { uniqueName } from '../support/names';
import { eventController } from '../support/nest';
import { PrivateCluster } from '../support/redis-cluster';
import { waitFor } from '../support/wait';

/**
 * Issue 15: the CLI (the built binary, as users run it) with `--url redis+cluster://…`, and RedisStreamsAdmin over a
 * Cluster connection. The streams are chosen so that their slots live on different primaries: discovery, `status`,
 * `init` and `trim` must reach every one of them, the dead-letter commands the primary of one stream.
 */

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'libs', 'redis-streams', 'cli', 'main.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('CLI and RedisStreamsAdmin on a Redis Cluster', () => {
  let cluster: PrivateCluster;
  let redis: Cluster;
  /** A working directory without a topology file: `status` without streams discovers them. */
  const dir = mkdtempSync(join(tmpdir(), 'nrs-cli-cluster-'));
  const topologyFile = join(dir, 'topology.yaml');
  /** One stream per primary (keyed by the primary's port). */
  const byPrimary = new Map<number, string>();
  let streams: string[] = [];
  /** The stream of the dead-letter test (its own, so the others keep their 3 entries). */
  let dlqStream = '';
  const created: string[] = [];

  function cli(args: string[]): Promise<Ran> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args, '--url', cluster.url()], {
        cwd: dir,
        env: { ...process.env, STREAMS_TOPOLOGY: '', REDIS_URL: '' },
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

  async function json<T>(args: string[]): Promise<T> {
    const ran = await cli([...args, '--json']);
    if (ran.code !== 0) {
      throw new Error(`${args.join(' ')}: exit ${ran.code}: ${ran.stderr}`);
    }
    return JSON.parse(ran.stdout) as T;
  }

  /** Deletes `keys`, one DEL per slot (a multi-key DEL across slots is CROSSSLOT). */
  async function del(keys: string[]): Promise<void> {
    for (const sameSlot of groupBySlot(keys)) {
      await redis.del(...sameSlot);
    }
  }

  beforeAll(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-lib.js')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) {
      throw new Error(`build:lib failed: ${build.stdout}${build.stderr}`);
    }
    cluster = await PrivateCluster.start();
    redis = cluster.connection();
    await waitFor(() => redis.status === 'ready', 'the check connection to be ready', 10_000);
    const base = uniqueName('cli-cluster');
    // Names until every primary has one (hashing spreads them; bounded all the same).
    for (let i = 0; i < 200 && byPrimary.size < cluster.primaryPorts.length; i++) {
      const stream = `${base}-${i}`;
      const port = await cluster.primaryPortOf(stream);
      if (!byPrimary.has(port)) {
        byPrimary.set(port, stream);
      }
    }
    streams = [...byPrimary.values()].sort();
    dlqStream = `${base}-dlq`;
    created.push(
      dlqStream,
      StreamKeys.deadLetter(dlqStream),
      StreamKeys.deadLetterLog(dlqStream),
      StreamKeys.retryLane(dlqStream, 'refuser'),
    );
    for (const stream of streams) {
      await redis.xgroup('CREATE', stream, 'readers', '0', 'MKSTREAM');
      for (let i = 0; i < 3; i++) {
        await redis.xadd(stream, '*', 'type', 'cli.cluster', 'data', JSON.stringify({ i }));
      }
      await redis.xreadgroup('GROUP', 'readers', 'c1', 'COUNT', 1, 'STREAMS', stream, '>');
      created.push(stream, StreamKeys.deadLetter(stream), StreamKeys.deadLetterLog(stream));
    }
    writeFileSync(
      topologyFile,
      [
        'streams:',
        ...streams.flatMap((s) => [
          `  ${JSON.stringify(s)}:`,
          '    groups: [g1, g2]',
          '    minRetentionMs: 0',
        ]),
        '',
      ].join('\n'),
    );
    console.log(
      `cluster cli: streams ${[...byPrimary].map(([port, stream]) => `${stream}@${port}`).join(', ')}`,
    );
  }, 240_000);

  afterAll(async () => {
    if (redis) {
      await del(created).catch(() => undefined);
      redis.disconnect();
    }
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a stream on every primary', () => {
    expect(byPrimary.size).toBe(cluster.primaryPorts.length);
    expect(byPrimary.size).toBeGreaterThanOrEqual(2);
  });

  it('status lists the streams of every primary (named, and found by discovery)', async () => {
    const named = await json<{
      streams: Array<{ stream: string; length: number; groups: Array<Record<string, unknown>> }>;
    }>(['status', ...streams]);
    expect(named.streams.map((snapshot) => snapshot.stream)).toEqual(streams);
    for (const snapshot of named.streams) {
      expect(snapshot.length).toBe(3);
      expect(snapshot.groups).toEqual([expect.objectContaining({ name: 'readers', pending: 1, lag: 2 })]);
    }

    const discovered = await json<{ streams: Array<{ stream: string }> }>(['status']);
    expect(discovered.streams.map((snapshot) => snapshot.stream)).toEqual(expect.arrayContaining(streams));

    const table = await cli(['status', ...streams]);
    expect(table.code).toBe(0);
    for (const stream of streams) {
      expect(table.stdout).toMatch(new RegExp(`^${stream}\\s+3\\s+readers\\s+1\\s+1\\s+2\\s`, 'm'));
    }
  });

  it('pending and tail read a stream on its primary', async () => {
    const [stream] = streams;
    const pending = await json<{ total: number; entries: Array<{ consumer: string }> }>([
      'pending',
      stream,
      'readers',
    ]);
    expect(pending.total).toBe(1);
    expect(pending.entries.map((entry) => entry.consumer)).toEqual(['c1']);
    const tail = await cli(['tail', stream, '--from', '0', '--count', '3', '--json']);
    expect(tail.code).toBe(0);
    const events = tail.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { data: unknown });
    expect(events.map((event) => event.data)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
  });

  it('dlq ls / redrive / purge on a stream whose dead-letter stream has entries', async () => {
    const stream = dlqStream;
    @Module({
      controllers: [
        eventController(stream, () => {
          throw new UnrecoverableEventError('no thanks');
        }),
      ],
    })
    class RefuserModule {}
    const server = new ServerRedisStreams({
      url: cluster.url(),
      group: 'refuser',
      startId: '$',
      blockMs: 200,
    });
    const app: INestMicroservice = await NestFactory.createMicroservice(RefuserModule, {
      strategy: server,
      logger: process.env.TEST_LOGS ? ['log', 'warn', 'error'] : false,
    });
    try {
      app.useGlobalFilters(new RedisStreamsExceptionFilter());
      await app.listen();
      const client = new ClientRedisStreams({ url: cluster.url() });
      try {
        await lastValueFrom(client.emit(stream, { n: 1 }));
        await lastValueFrom(client.emit(stream, { n: 2 }));
      } finally {
        await client.close();
      }
      await waitFor(
        async () => (await redis.xlen(StreamKeys.deadLetter(stream))) === 2,
        'two dead letters',
        15_000,
      );
    } finally {
      await app.close();
    }

    const records = await json<Array<{ id: string; group: string; reason: string }>>(['dlq', 'ls', stream]);
    expect(records.map((record) => [record.group, record.reason])).toEqual([
      ['refuser', 'unrecoverable'],
      ['refuser', 'unrecoverable'],
    ]);
    const human = await cli(['dlq', 'ls', stream]);
    expect(human.stdout).toContain('2 dead letter(s)');

    const done = await cli(['dlq', 'redrive', stream, records[0].id, '--by', 'cli-cluster-test']);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`redriven ${records[0].id} → group refuser`);
    expect(await redis.xlen(StreamKeys.retryLane(stream, 'refuser'))).toBe(1);
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(1);

    expect(await json(['dlq', 'purge', stream, '--all', '--yes'])).toMatchObject({ purged: 1 });
    expect(await redis.xlen(StreamKeys.deadLetter(stream))).toBe(0);
    // Both actions are in the dead-letter log.
    const log = await redis.xrange(StreamKeys.deadLetterLog(stream), '-', '+');
    expect(log.map(([, fields]) => fields[fields.indexOf('action') + 1])).toEqual(['redrive', 'purge']);
  });

  it('init and trim reach the streams of every primary', async () => {
    const init = await json<{ created: Array<{ stream: string; group: string }> }>([
      'init',
      '--config',
      topologyFile,
    ]);
    expect(init.created.map((row) => `${row.stream}/${row.group}`).sort()).toEqual(
      streams.flatMap((stream) => [`${stream}/g1`, `${stream}/g2`]).sort(),
    );
    // Each stream: 3 entries; g1 acknowledges all, g2 the first 2; `readers` has 1 pending (the first entry).
    const kept = new Map<string, string[]>();
    for (const stream of streams) {
      const ids = (await redis.xrange(stream, '-', '+')).map(([id]) => id);
      for (const group of ['g1', 'g2']) {
        await redis.xreadgroup('GROUP', group, 'c', 'COUNT', 3, 'STREAMS', stream, '>');
      }
      await redis.xack(stream, 'g1', ...ids);
      await redis.xack(stream, 'g2', ids[0], ids[1]);
      await redis.xack(stream, 'readers', ids[0]);
      await redis.xreadgroup('GROUP', 'readers', 'c1', 'COUNT', 2, 'STREAMS', stream, '>');
      await redis.xack(stream, 'readers', ids[1], ids[2]);
      kept.set(stream, ids.slice(2));
    }
    const dry = await json<{ streams: Array<{ stream: string; removed: number; status: string }> }>([
      'trim',
      '--config',
      topologyFile,
      '--dry-run',
    ]);
    expect(dry.streams.map((row) => [row.stream, row.status, row.removed])).toEqual(
      streams.map((stream) => [stream, 'dry-run', 2]),
    );
    const trimmed = await json<{ streams: Array<{ stream: string; removed: number; status: string }> }>([
      'trim',
      '--config',
      topologyFile,
    ]);
    expect(trimmed.streams.map((row) => [row.stream, row.status, row.removed])).toEqual(
      streams.map((stream) => [stream, 'trimmed', 2]),
    );
    for (const stream of streams) {
      expect((await redis.xrange(stream, '-', '+')).map(([id]) => id)).toEqual(kept.get(stream));
    }
  });

  describe('RedisStreamsAdmin over a Cluster connection', () => {
    const connections: RedisConnection[] = [];
    afterAll(() => connections.forEach((connection) => connection.disconnect()));

    const adminOn = (connection: RedisConnection): RedisStreamsAdmin => {
      connections.push(connection);
      connection.on('error', () => undefined);
      return new RedisStreamsAdmin(connection);
    };

    it('discovery finds the streams of every primary, and the dead-letter sources', async () => {
      const stream = streams[0];
      await redis.xadd(StreamKeys.deadLetter(stream), '*', 'type', 'x', 'dlq_reason', 'unrecoverable');
      const admin = adminOn(cluster.connection());
      await waitFor(() => admin.redis.status === 'ready', 'the admin connection to be ready', 10_000);
      // Derived keys (dead letters, retry lanes, logs) are not source streams.
      expect(await admin.streams()).toEqual([...streams, dlqStream].sort());
      expect(await admin.deadLetterSources()).toEqual([stream, dlqStream].sort());
      const snapshots = await admin.inspect(streams);
      expect(snapshots.map((snapshot) => [snapshot.stream, snapshot.exists])).toEqual(
        streams.map((name) => [name, true]),
      );
    });

    it('discovery on a Cluster connection that has only just been created finds them too', async () => {
      const admin = adminOn(redisFromUrl(cluster.url()));
      expect(await admin.streams()).toEqual(expect.arrayContaining(streams));
      const lazy = adminOn(redisFromUrl(cluster.url(), { lazyConnect: true }));
      expect(await lazy.streams()).toEqual(expect.arrayContaining(streams));
    });
  });
});
