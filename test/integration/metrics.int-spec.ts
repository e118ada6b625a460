import { createServer, Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { StreamKeys, UnrecoverableEventError } from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import { RedisScripts } from '@app/redis-streams/lua/scripts';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { Sample, parseExposition, valueOf } from '../support/prometheus';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

const P = 'redis_streams_';

describe('Prometheus metrics', () => {
  const { redis, client, consumers, keys, track, emit } = useStreamFixture();
  const scrape = async (registry: Registry): Promise<Sample[]> => parseExposition(await registry.metrics());

  it('counts emitted, handled, failed, retried, dead-lettered and acked events exactly, with a duration histogram', async () => {
    const stream = uniqueName('metrics');
    track(stream, ['g']);
    const registry = new Registry();
    const consumer = await startConsumer(
      [
        eventController(stream, (data, ctx) => {
          const { kind } = data as { kind: 'ok' | 'flaky' | 'fatal' };
          if (kind === 'flaky' && ctx.getDeliveryCount() === 1) {
            throw new Error('fails once');
          }
          if (kind === 'fatal') {
            throw new UnrecoverableEventError('never works');
          }
        }),
      ],
      {
        group: 'g',
        retryPollMs: 10,
        delivery: {
          maxDeliveries: 3,
          backoff: { type: 'exponential', baseMs: 20, factor: 2, maxMs: 1000, jitter: 'none' },
        },
      },
    );
    consumers.push(consumer);
    new RedisStreamsMetrics({ registry }).observeServer(consumer.server).observeClient(client);

    for (const kind of [...Array<string>(7).fill('ok'), 'flaky', 'flaky', 'fatal']) {
      await emit(stream, { kind });
    }
    const samples = await waitFor(async () => {
      const s = await scrape(registry);
      const done =
        valueOf(s, `${P}handled_total`, { stream }) === 9 &&
        valueOf(s, `${P}dead_letters_total`, { stream }) === 1 &&
        valueOf(s, `${P}acked_total`, { group: 'g' }) === 9;
      return done ? s : undefined;
    }, 'every event settled and counted');

    const labels = { stream, group: 'g', pattern: stream };
    expect(valueOf(samples, `${P}events_emitted_total`, { stream, pattern: stream })).toBe(10);
    expect(valueOf(samples, `${P}emit_failures_total`)).toBeUndefined();
    expect(valueOf(samples, `${P}handled_total`, labels)).toBe(9);
    expect(valueOf(samples, `${P}handler_failures_total`, { ...labels, reason: 'handler-error' })).toBe(2);
    expect(valueOf(samples, `${P}handler_failures_total`, { ...labels, reason: 'unrecoverable' })).toBe(1);
    expect(valueOf(samples, `${P}retries_total`, labels)).toBe(2);
    expect(valueOf(samples, `${P}dead_letters_total`, { ...labels, reason: 'unrecoverable' })).toBe(1);
    expect(valueOf(samples, `${P}acked_total`, { group: 'g' })).toBe(9);
    for (const name of ['processed_twice_total', 'reclaimed_total', 'skipped_total', 'in_flight']) {
      expect(valueOf(samples, `${P}${name}`, { group: 'g' })).toBe(0);
    }
    expect(valueOf(samples, `${P}rejected_total`)).toBeUndefined();
    const duration = `${P}handler_duration_seconds`;
    expect(valueOf(samples, `${duration}_count`, { ...labels, outcome: 'success' })).toBe(9);
    expect(valueOf(samples, `${duration}_count`, { ...labels, outcome: 'failure' })).toBe(3);
    expect(valueOf(samples, `${duration}_bucket`, { ...labels, outcome: 'success', le: '+Inf' })).toBe(9);
    expect(valueOf(samples, `${duration}_sum`, { ...labels, outcome: 'success' })).toBeGreaterThan(0);
    // The same numbers as the server's own stats.
    const stats = consumer.server.getStats();
    expect([stats.handled, stats.retried, stats.deadLettered, stats.acked]).toEqual([9, 2, 1, 9]);
    // No payload or entry id ever becomes a label value.
    const labelValues = samples.flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.filter((value) => /kind|ok|flaky|fatal|^\d+-\d+$/.test(value))).toEqual([]);
  });

  it('counts an emit Redis refuses by its error code', async () => {
    const key = uniqueName('metrics-wrongtype');
    keys.push(key);
    await redis.set(key, 'not a stream');
    const registry = new Registry();
    new RedisStreamsMetrics({ registry }).observeClient(client);
    await expect(emit(key, { n: 1 })).rejects.toThrow(/WRONGTYPE/);
    const samples = await scrape(registry);
    const labels = { stream: key, pattern: key };
    expect(valueOf(samples, `${P}emit_failures_total`, { ...labels, code: 'WRONGTYPE' })).toBe(1);
    expect(valueOf(samples, `${P}events_emitted_total`, labels)).toBeUndefined();
  });

  it('several servers and metric instances share one registry; in-flight per group', async () => {
    const stream = uniqueName('metrics-multi');
    track(stream, ['a', 'b']);
    const registry = new Registry();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    try {
      const a = await startConsumer([eventController(stream, () => gate)], { group: 'a' });
      consumers.push(a);
      const b = await startConsumer([eventController(stream, () => undefined)], { group: 'b' });
      consumers.push(b);
      new RedisStreamsMetrics({ registry }).observeServer(a.server);
      // A second instance on the same registry reuses the metrics; observing a server twice counts it once.
      new RedisStreamsMetrics({ registry }).observeServer(b.server).observeServer(b.server);

      for (let n = 0; n < 3; n++) {
        await emit(stream, { n });
      }
      await waitFor(async () => {
        const s = await scrape(registry);
        return (
          valueOf(s, `${P}in_flight`, { group: 'a' }) === 3 &&
          valueOf(s, `${P}handled_total`, { group: 'b' }) === 3 &&
          valueOf(s, `${P}handled_total`, { group: 'a' }) === undefined
        );
      }, 'group a busy with 3, group b done');
      release();
      const samples = await waitFor(async () => {
        const s = await scrape(registry);
        return valueOf(s, `${P}acked_total`, { group: 'a' }) === 3 ? s : undefined;
      }, 'group a done');
      expect(valueOf(samples, `${P}in_flight`, { group: 'a' })).toBe(0);
      expect(valueOf(samples, `${P}handled_total`, { stream, group: 'a', pattern: stream })).toBe(3);
      expect(valueOf(samples, `${P}handled_total`, { stream, group: 'b', pattern: stream })).toBe(3);
      expect(valueOf(samples, `${P}acked_total`, { group: 'b' })).toBe(3);
    } finally {
      release();
    }
  });

  it('backlog = lag + pending + scheduled retries, with the oldest pending age, computed at scrape time', async () => {
    const stream = uniqueName('metrics-backlog');
    track(stream, ['g']);
    await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
    for (let n = 0; n < 5; n++) {
      await redis.xadd(stream, '*', 'type', stream, 'data', JSON.stringify({ n }));
    }
    const registry = new Registry();
    new RedisStreamsMetrics({ registry }).observeStreams(redis, () => [stream]);
    const group = { stream, group: 'g' };
    const gauge = (samples: Sample[], name: string): number | undefined =>
      valueOf(samples, `${P}${name}`, name.startsWith('group_') ? group : { stream });

    let samples = await scrape(registry);
    expect(gauge(samples, 'stream_length')).toBe(5);
    expect(gauge(samples, 'dead_letter_length')).toBe(0);
    expect(gauge(samples, 'group_lag')).toBe(5);
    expect(gauge(samples, 'group_pending')).toBe(0);
    expect(gauge(samples, 'group_scheduled_retries')).toBe(0);
    expect(gauge(samples, 'group_backlog')).toBe(5);
    expect(gauge(samples, 'group_oldest_pending_age_seconds')).toBe(0);
    expect(gauge(samples, 'group_consumers')).toBe(0);
    expect(valueOf(samples, `${P}up`)).toBe(1);

    const read = (await redis.xreadgroup(
      'GROUP',
      'g',
      'manual',
      'COUNT',
      2,
      'STREAMS',
      stream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]>;
    const ids = read[0][1].map(([id]) => id);
    samples = await waitFor(async () => {
      const s = await scrape(registry);
      return (gauge(s, 'group_oldest_pending_age_seconds') ?? 0) > 0 ? s : undefined;
    }, 'the oldest pending entry to age');
    expect(gauge(samples, 'group_lag')).toBe(3);
    expect(gauge(samples, 'group_pending')).toBe(2);
    expect(gauge(samples, 'group_backlog')).toBe(5);
    expect(gauge(samples, 'group_consumers')).toBe(1);

    // What the transport does with a failed delivery: ack on the source and schedule, atomically.
    const schedule = StreamKeys.retrySchedule(stream, 'g');
    const member = JSON.stringify(['type', stream, 'data', '{"n":0}']);
    expect(
      await RedisScripts.for(redis).scheduleRetry(
        stream,
        schedule,
        'g',
        'manual',
        ids[0],
        60_000,
        member,
        false,
      ),
    ).toBe(true);
    samples = await scrape(registry);
    expect(gauge(samples, 'group_lag')).toBe(3);
    expect(gauge(samples, 'group_pending')).toBe(1);
    expect(gauge(samples, 'group_scheduled_retries')).toBe(1);
    expect(gauge(samples, 'group_backlog')).toBe(5);
    expect(gauge(samples, 'group_oldest_pending_age_seconds')).toBeGreaterThan(0);
  });

  it('a Redis that refuses or never answers does not fail the scrape: up 0, errors counted, other series kept', async () => {
    const stream = uniqueName('metrics-down');
    track(stream, []);
    await redis.xadd(stream, '*', 'type', stream, 'data', '{}');
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const hung = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    const refusing = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    hung.on('error', () => undefined);
    refusing.on('error', () => undefined);
    try {
      const registry = new Registry();
      new RedisStreamsMetrics({ registry, inspectTimeoutMs: 200 })
        .observeStreams(redis, [stream])
        .observeStreams(hung, [stream])
        .observeStreams(refusing, [stream]);
      let samples = await scrape(registry);
      expect(valueOf(samples, `${P}up`)).toBe(0);
      expect(valueOf(samples, `${P}scrape_errors_total`)).toBe(2);
      expect(valueOf(samples, `${P}stream_length`, { stream })).toBe(1);
      samples = await scrape(registry);
      expect(valueOf(samples, `${P}scrape_errors_total`)).toBe(4);
    } finally {
      hung.disconnect();
      refusing.disconnect();
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
