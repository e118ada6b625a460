import type { AddressInfo } from 'node:net';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { INGESTION_QUEUE_STREAM } from '@app/contracts';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { PrivateRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';

// The API against a Redis of this file's own, so it can refuse XADD (ACL) or disappear.

const logger = process.env.TEST_LOGS ? ['log' as const, 'warn' as const, 'error' as const] : false;
const body = { sourceUri: 'https://example.com/a', sourceType: 'web', content: 'hello' };

async function startApi(url: string): Promise<{ app: NestExpressApplication; base: string }> {
  const previous = process.env.REDIS_URL;
  process.env.REDIS_URL = url;
  try {
    const app = await createApiApp({ logger });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { app, base: `http://127.0.0.1:${port}` };
  } finally {
    process.env.REDIS_URL = previous;
  }
}

async function post(base: string): Promise<number> {
  const response = await fetch(`${base}/ingestions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('api when Redis misbehaves', () => {
  let redis: PrivateRedis;
  let admin: Redis;
  let api: { app: NestExpressApplication; base: string } | undefined;

  beforeEach(async () => {
    redis = await PrivateRedis.start();
    admin = new Redis(redis.url);
    api = await startApi(redis.url);
  });

  afterEach(async () => {
    await api?.app.close();
    admin.disconnect();
    await redis.destroy();
  });

  it('answers 503 and marks the job failed when the event cannot be stored', async () => {
    expect(await post(api?.base ?? '')).toBe(202);
    await admin.call('ACL', 'SETUSER', 'default', '-xadd');

    expect(await post(api?.base ?? '')).toBe(503);

    expect(await admin.xlen(INGESTION_QUEUE_STREAM)).toBe(1);
    const keys = await admin.keys('shield:job:*');
    const statuses = await Promise.all(keys.map((key) => admin.hget(key, 'status')));
    expect([...statuses].sort()).toEqual(['failed', 'queued']);
    const failedKey = keys[statuses.indexOf('failed')];
    expect(await admin.hget(failedKey, 'error')).toBe('could not be enqueued');
  });

  it('answers 503 on /health and POST when Redis is gone, and recovers when it is back', async () => {
    const base = api?.base ?? '';
    expect((await fetch(`${base}/health`)).status).toBe(200);
    await redis.kill();

    const started = Date.now();
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'error', redis: 'down' });
    expect(await post(base)).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);

    await redis.startProcess();
    await waitFor(async () => (await fetch(`${base}/health`)).status === 200, 'the API to see Redis again');
    await waitFor(async () => (await post(base)) === 202, 'POST to work again');
  });
});

describe('api started while Redis is down', () => {
  it('starts anyway and provisions the topology once Redis answers (retried every few seconds)', async () => {
    const redis = await PrivateRedis.start();
    await redis.kill();
    let api: { app: NestExpressApplication; base: string } | undefined;
    const admin = new Redis(redis.url, { lazyConnect: true });
    try {
      api = await startApi(redis.url);
      expect((await fetch(`${api.base}/health`)).status).toBe(503);
      await redis.startProcess();
      await admin.connect();
      const groups = async (stream: string): Promise<number> =>
        ((await admin.xinfo('GROUPS', stream).catch(() => [])) as unknown[]).length;
      await waitFor(
        async () => (await groups(INGESTION_QUEUE_STREAM)) === 2 && (await groups('shield:events')) === 4,
        'the seed topology to be provisioned',
        15_000,
        100,
      );
    } finally {
      await api?.app.close();
      admin.disconnect();
      await redis.destroy();
    }
  }, 30_000);
});
