import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DELIVERY_POLICY, DEFAULT_REDIS_URL, DEFAULT_SERVER_OPTIONS } from '@app/redis-streams';
import { resolveServerOptions } from '@app/redis-streams/options/server-options';
import { InvalidEnvironmentError, describeEnv } from '@app/shield-platform/config/parse-env';
import { readmeConfigTable } from '../../../../test/support/readme-config-table';
import { CONSUMER_ENV, loadConsumerConfig } from './consumer-config';
import { consumerServerSettings } from './consumer-server-settings';

describe('the consumer config', () => {
  it("defaults are today's behaviour: the transport's own defaults, port 3001, janitor 5 min / 1 h", () => {
    const config = loadConsumerConfig({});
    expect(config).toEqual({
      redisUrl: DEFAULT_REDIS_URL,
      topologyFile: undefined,
      healthMaxLag: undefined,
      healthMaxBacklog: undefined,
      healthMaxPendingAgeMs: undefined,
      healthMaxDeadLetters: undefined,
      port: 3001,
      consumerName: undefined,
      batchSize: DEFAULT_SERVER_OPTIONS.batchSize,
      blockMs: DEFAULT_SERVER_OPTIONS.blockMs,
      concurrency: DEFAULT_SERVER_OPTIONS.concurrency,
      minIdleMs: DEFAULT_SERVER_OPTIONS.minIdleMs,
      shutdownTimeoutMs: DEFAULT_SERVER_OPTIONS.shutdownTimeoutMs,
      maxDeliveries: DEFAULT_DELIVERY_POLICY.maxDeliveries,
      backoffBaseMs: DEFAULT_DELIVERY_POLICY.backoff.baseMs,
      backoffMaxMs: DEFAULT_DELIVERY_POLICY.backoff.maxMs,
      janitorIntervalMs: 300_000,
      janitorMinRetentionMs: 3_600_000,
    });
  });

  it('with no variable set, the servers resolve exactly as they did without settings', () => {
    const settings = consumerServerSettings(loadConsumerConfig({}));
    expect(settings.consumer).toBeUndefined(); // the transport's host-pid-random
    const withSettings = resolveServerOptions({ group: 'g', ...settings, consumer: 'c' });
    const without = resolveServerOptions({ group: 'g', consumer: 'c', url: DEFAULT_REDIS_URL });
    expect(withSettings).toEqual(without);
  });

  it('reads every setting and hands it to the servers', () => {
    const config = loadConsumerConfig({
      REDIS_URL: 'redis://redis.internal:6380/1',
      CONSUMER_PORT: '8081',
      CONSUMER_NAME: 'pod-7',
      CONSUMER_BATCH_SIZE: '10',
      CONSUMER_BLOCK_MS: '5000',
      CONSUMER_CONCURRENCY: '16',
      CONSUMER_MIN_IDLE_MS: '60000',
      CONSUMER_SHUTDOWN_TIMEOUT_MS: '25000',
      CONSUMER_MAX_DELIVERIES: '3',
      CONSUMER_BACKOFF_BASE_MS: '200',
      CONSUMER_BACKOFF_MAX_MS: '5000',
      JANITOR_INTERVAL_MS: '0',
      HEALTH_MAX_LAG: '1000',
    });
    expect(config).toMatchObject({ port: 8081, janitorIntervalMs: 0, healthMaxLag: 1000 });
    const resolved = resolveServerOptions({ group: 'g', ...consumerServerSettings(config) });
    expect(resolved).toMatchObject({
      url: 'redis://redis.internal:6380/1',
      consumer: 'pod-7',
      batchSize: 10,
      blockMs: 5000,
      concurrency: 16,
      minIdleMs: 60_000,
      shutdownTimeoutMs: 25_000,
      delivery: {
        maxDeliveries: 3,
        backoff: { ...DEFAULT_DELIVERY_POLICY.backoff, baseMs: 200, maxMs: 5000 },
      },
    });
  });

  it.each([
    ['CONSUMER_CONCURRENCY', 'abc', 'CONSUMER_CONCURRENCY must be an integer from 1 to 1000, got "abc"'],
    ['CONSUMER_CONCURRENCY', '0', 'CONSUMER_CONCURRENCY must be an integer from 1 to 1000, got "0"'],
    ['CONSUMER_BATCH_SIZE', '10001', 'CONSUMER_BATCH_SIZE must be an integer from 1 to 10000, got "10001"'],
    ['CONSUMER_BLOCK_MS', '5s', 'CONSUMER_BLOCK_MS must be an integer from 1 to 60000, got "5s"'],
    ['CONSUMER_MIN_IDLE_MS', '10', 'CONSUMER_MIN_IDLE_MS must be an integer from 30 to 86400000, got "10"'],
    [
      'CONSUMER_SHUTDOWN_TIMEOUT_MS',
      '-1',
      'CONSUMER_SHUTDOWN_TIMEOUT_MS must be an integer from 0 to 600000, got "-1"',
    ],
    [
      'CONSUMER_MAX_DELIVERIES',
      '2.5',
      'CONSUMER_MAX_DELIVERIES must be an integer from 1 to 1000, got "2.5"',
    ],
    ['CONSUMER_PORT', '70000', 'CONSUMER_PORT must be an integer from 0 to 65535, got "70000"'],
    [
      'JANITOR_INTERVAL_MS',
      '5 min',
      'JANITOR_INTERVAL_MS must be an integer from 0 to 2147483647, got "5 min"',
    ],
    [
      'REDIS_URL',
      'localhost',
      'REDIS_URL must be a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster:// URL, got "localhost"',
    ],
  ])('refuses %s=%p with an error naming it', (name, value, message) => {
    const load = (): unknown => loadConsumerConfig({ [name]: value });
    expect(load).toThrow(InvalidEnvironmentError);
    expect(load).toThrow(`invalid environment: ${message}`);
  });

  it('refuses a backoff whose longest delay is below its first', () => {
    expect(() =>
      loadConsumerConfig({ CONSUMER_BACKOFF_BASE_MS: '2000', CONSUMER_BACKOFF_MAX_MS: '1000' }),
    ).toThrow('CONSUMER_BACKOFF_MAX_MS (1000) must not be below CONSUMER_BACKOFF_BASE_MS (2000)');
    expect(() => loadConsumerConfig({ CONSUMER_BACKOFF_MAX_MS: '500' })).toThrow(
      'CONSUMER_BACKOFF_MAX_MS (500) must not be below CONSUMER_BACKOFF_BASE_MS (1000)',
    );
  });

  it('every accepted value is one the transport accepts too (the bounds lie inside its own)', () => {
    const extremes: Record<string, string> = {};
    for (const name of [
      'CONSUMER_BATCH_SIZE',
      'CONSUMER_BLOCK_MS',
      'CONSUMER_CONCURRENCY',
      'CONSUMER_MIN_IDLE_MS',
      'CONSUMER_SHUTDOWN_TIMEOUT_MS',
      'CONSUMER_MAX_DELIVERIES',
    ]) {
      const range = /from (\d+) to (\d+)/.exec(
        (() => {
          try {
            loadConsumerConfig({ [name]: 'x' });
          } catch (error) {
            return (error as Error).message;
          }
          return '';
        })(),
      );
      expect(range).not.toBeNull();
      extremes[name] = range?.[1] ?? '';
      expect(() =>
        resolveServerOptions({
          group: 'g',
          ...consumerServerSettings(loadConsumerConfig({ [name]: range?.[2] })),
        }),
      ).not.toThrow();
    }
    expect(() =>
      resolveServerOptions({ group: 'g', ...consumerServerSettings(loadConsumerConfig(extremes)) }),
    ).not.toThrow();
  });

  it('REDIS_TLS_* reach the servers (files read by the library) and are checked at start', () => {
    // Any readable file will do: the library reads it into ioredis' tls, TLS itself only starts on connect.
    const file = join(__dirname, 'consumer-config.ts');
    const config = loadConsumerConfig({
      REDIS_URL: 'rediss://redis.internal:6380',
      REDIS_TLS_CA_FILE: file,
      REDIS_TLS_CERT_FILE: file,
      REDIS_TLS_KEY_FILE: ` ${file} `,
      REDIS_TLS_SERVERNAME: 'redis.internal',
    });
    const settings = consumerServerSettings(config);
    expect(settings.tls).toEqual({
      caFile: file,
      certFile: file,
      keyFile: file,
      servername: 'redis.internal',
    });
    const resolved = resolveServerOptions({ group: 'g', ...settings });
    expect(resolved.redis?.tls).toEqual({
      ca: readFileSync(file),
      cert: readFileSync(file),
      key: readFileSync(file),
      servername: 'redis.internal',
    });
    const missing = join(__dirname, 'missing-ca.pem');
    expect(() =>
      loadConsumerConfig({ REDIS_URL: 'rediss://redis.internal:6380', REDIS_TLS_CA_FILE: missing }),
    ).toThrow(`invalid environment: REDIS_TLS_CA_FILE cannot be read: ${missing} (ENOENT)`);
  });

  it('names each variable once', () => {
    const names = Object.values(CONSUMER_ENV).map(({ name }) => name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("the README's configuration table documents every variable, with its default and this app", () => {
    const table = readmeConfigTable();
    for (const { name, defaultText } of describeEnv(CONSUMER_ENV)) {
      const row = table.get(name);
      expect({ name, documented: row !== undefined }).toEqual({ name, documented: true });
      expect({ name, default: row?.default }).toEqual({ name, default: defaultText });
      expect(row?.meaning).not.toBe('');
      expect(row?.app).toMatch(/consumer|both/);
    }
  });
});
