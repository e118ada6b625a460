import { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  EVENTS_STREAM,
  INGESTION_QUEUE_STREAM,
  LIGHTRAG_WORKERS_GROUP,
  METRICS_COLLECTOR_GROUP,
} from '@app/contracts';
import { jobKey } from '@app/shield-platform';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { ConsumerApp, createConsumerApp } from '../../apps/consumer/src/create-consumer-app';
import { Sample, parseExposition, valueOf } from '../support/prometheus';
import { SHIELD_KEYS, appLogger, listen } from '../support/shield-apps';
import { waitFor } from '../support/wait';

// The shield topology is fixed (like apps.int-spec.ts, this file owns its keys; integration files run in band).
const P = 'redis_streams_';
const logger = appLogger;

/** GET /metrics: the content type and the samples. */
async function scrape(base: string): Promise<{ type: string | null; samples: Sample[] }> {
  const response = await fetch(`${base}/metrics`);
  expect(response.status).toBe(200);
  return { type: response.headers.get('content-type'), samples: parseExposition(await response.text()) };
}

describe('GET /metrics of the api and consumer apps', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let api: INestApplication | undefined;
  let consumer: ConsumerApp | undefined;
  let jobId = '';

  beforeAll(async () => {
    await redis.del(...SHIELD_KEYS);
  });
  afterAll(async () => {
    await api?.close();
    await consumer?.app.close();
    await redis.del(...SHIELD_KEYS, ...(jobId ? [jobKey(jobId)] : []));
    await redis.quit();
  });

  it('exposes emits, handled events, backlog and process metrics in the text format', async () => {
    consumer = await createConsumerApp({ logger, blockMs: 200 });
    await consumer.app.startAllMicroservices();
    const consumerUrl = await listen(consumer.app);
    api = await createApiApp({ logger });
    const apiUrl = await listen(api);

    const accepted = await fetch(`${apiUrl}/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceUri: 'https://example.com/m', sourceType: 'text', content: 'count me' }),
    });
    expect(accepted.status).toBe(202);
    jobId = ((await accepted.json()) as { jobId: string }).jobId;

    // One chunk: the worker handles 1 request and emits started, progress, completed; the collector counts the
    // request (its group reads the queue too) and those 3.
    const fromConsumer = await waitFor(async () => {
      const { samples } = await scrape(consumerUrl);
      const settled =
        valueOf(samples, `${P}handled_total`, { group: METRICS_COLLECTOR_GROUP }) === 4 &&
        valueOf(samples, `${P}acked_total`, { group: METRICS_COLLECTOR_GROUP }) === 4 &&
        valueOf(samples, `${P}group_backlog`, { group: METRICS_COLLECTOR_GROUP }) === 0;
      return settled ? samples : undefined;
    }, 'the consumer to handle and ack every event');
    expect(
      valueOf(fromConsumer, `${P}handled_total`, {
        stream: INGESTION_QUEUE_STREAM,
        group: LIGHTRAG_WORKERS_GROUP,
        pattern: 'ingestion.requested',
      }),
    ).toBe(1);
    expect(
      valueOf(fromConsumer, `${P}handled_total`, {
        stream: INGESTION_QUEUE_STREAM,
        group: METRICS_COLLECTOR_GROUP,
        pattern: 'ingestion.requested',
      }),
    ).toBe(1);
    for (const pattern of ['ingestion.started', 'ingestion.progress', 'ingestion.completed']) {
      const labels = { stream: EVENTS_STREAM, pattern };
      expect(valueOf(fromConsumer, `${P}events_emitted_total`, labels)).toBe(1);
      expect(valueOf(fromConsumer, `${P}handled_total`, { ...labels, group: METRICS_COLLECTOR_GROUP })).toBe(
        1,
      );
    }
    expect(valueOf(fromConsumer, `${P}acked_total`, { group: LIGHTRAG_WORKERS_GROUP })).toBe(1);
    expect(valueOf(fromConsumer, `${P}group_consumers`, { stream: EVENTS_STREAM })).toBe(1);

    const { type, samples } = await scrape(apiUrl);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(
      valueOf(samples, `${P}events_emitted_total`, {
        stream: INGESTION_QUEUE_STREAM,
        pattern: 'ingestion.requested',
      }),
    ).toBe(1);
    expect(valueOf(samples, `${P}stream_length`, { stream: INGESTION_QUEUE_STREAM })).toBe(1);
    expect(valueOf(samples, `${P}stream_length`, { stream: EVENTS_STREAM })).toBe(3);
    expect(
      valueOf(samples, `${P}group_backlog`, {
        stream: INGESTION_QUEUE_STREAM,
        group: LIGHTRAG_WORKERS_GROUP,
      }),
    ).toBe(0);
    expect(valueOf(samples, `${P}up`)).toBe(1);
    // prom-client's default process metrics, once per app registry.
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});
