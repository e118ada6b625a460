import { INestApplication, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { EVENTS_STREAM, INGESTION_QUEUE_STREAM } from '@app/contracts';
import { jobKey } from '@app/shield-platform';
import {
  RedisStreamsRecord,
  StreamKeys,
  UnrecoverableEventError,
  currentTraceparent,
  runWithTraceparent,
} from '@app/redis-streams';
import { redriveDeadLetters } from '@app/redis-streams/admin/dead-letter-actions';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { ConsumerApp, createConsumerApp } from '../../apps/consumer/src/create-consumer-app';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { SHIELD_KEYS, appLogger, listen } from '../support/shield-apps';
import { waitFor } from '../support/wait';
import { SEED_TASK_FIELDS } from '../support/seed-layouts';

// No OpenTelemetry SDK in this file: the API is a no-op and the transport's fallback carrier carries the trace.
// (tracing-otel.int-spec.ts registers a real SDK.)

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const logger = appLogger;

type Entry = [id: string, fields: string[]];

function fieldsOf(raw: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    fields[raw[i]] = raw[i + 1];
  }
  return fields;
}

function headersOf(entry: Entry): Record<string, string> {
  const { headers } = fieldsOf(entry[1]);
  return headers ? (JSON.parse(headers) as Record<string, string>) : {};
}

// The work queue is written flat, in the seed's task layout (issue 13): it has no field for a trace, so the trace of a
// POST ends at the queue. Envelope routes carry it (the transport tests below).
describe('tracing: the apps, whose work queue is written flat (the seed task layout)', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  const jobIds: string[] = [];
  let api: INestApplication | undefined;
  let apiUrl = '';
  let consumer: ConsumerApp | undefined;

  const post = async (headers: Record<string, string>): Promise<string> => {
    const response = await fetch(`${apiUrl}/ingestions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ sourceUri: 'https://example.com/t', sourceType: 'text', content: 'traced' }),
    });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    jobIds.push(jobId);
    return jobId;
  };
  /** The job's request entry and, once the consumer completed it, its lifecycle events. */
  const entriesOf = async (jobId: string): Promise<{ request: Entry; lifecycle: Entry[] }> => {
    const lifecycle = await waitFor(async () => {
      const events = (await redis.xrange(EVENTS_STREAM, '-', '+')).filter(([, fields]) =>
        fields.some((value) => value.startsWith(`${jobId}:`)),
      );
      return events.some(([, fields]) => fields.includes('ingestion.completed')) ? events : undefined;
    }, `job ${jobId}'s ingestion.completed`);
    const requests = await redis.xrange(INGESTION_QUEUE_STREAM, '-', '+');
    const request = requests.find(([, fields]) => fields.includes(jobId));
    expect(request).toBeDefined();
    return { request: request as Entry, lifecycle };
  };

  beforeAll(async () => {
    await redis.del(...SHIELD_KEYS);
    consumer = await createConsumerApp({ logger, blockMs: 200 });
    await consumer.app.startAllMicroservices();
    await listen(consumer.app);
    api = await createApiApp({ logger });
    apiUrl = await listen(api);
  });

  afterAll(async () => {
    await api?.close();
    await consumer?.app.close();
    await redis.del(...SHIELD_KEYS, ...jobIds.map(jobKey));
    await redis.quit();
  });

  it("a traced POST: the flat request entry has only the seed's fields, so the trace ends there", async () => {
    const jobId = await post({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    const { request, lifecycle } = await entriesOf(jobId);
    expect(Object.keys(fieldsOf(request[1]))).toEqual(SEED_TASK_FIELDS);
    expect(request[1].join(' ')).not.toContain(TRACE_ID);
    // started, one progress, completed: emitted inside the handler, which ran outside the POST's trace.
    expect(lifecycle.map(([, fields]) => fieldsOf(fields).type)).toEqual([
      'ingestion.started',
      'ingestion.progress',
      'ingestion.completed',
    ]);
    for (const event of lifecycle) {
      expect(headersOf(event)).toEqual({ source: 'consumer' });
    }
  });

  it('without a traceparent (or with an invalid one) nothing is added', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` },
    ];
    for (const headers of cases) {
      const jobId = await post(headers);
      const { request, lifecycle } = await entriesOf(jobId);
      expect(headersOf(request)).toEqual({});
      for (const event of lifecycle) {
        expect(headersOf(event).traceparent).toBeUndefined();
      }
    }
  });
});

describe('tracing: the transport without an OpenTelemetry SDK', () => {
  const { redis, consumers, keys, track, emit } = useStreamFixture();

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('an emit inside runWithTraceparent reaches the handler; a retry keeps it; the failure log names the trace', async () => {
    const stream = uniqueName('trace-retry');
    track(stream, 'g');
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
    const seen: Array<{ delivery: number; ctx?: string; traceId?: string; current?: string }> = [];
    consumers.push(
      await startConsumer(
        [
          eventController(stream, async (_data, ctx) => {
            await new Promise((resolve) => setImmediate(resolve)); // the trace survives an async hop
            seen.push({
              delivery: ctx.getDeliveryCount(),
              ctx: ctx.getTraceparent(),
              traceId: ctx.getTraceId(),
              current: currentTraceparent(),
            });
            if (ctx.getDeliveryCount() === 1) {
              throw new Error('first delivery fails');
            }
          }),
        ],
        { group: 'g', retryPollMs: 10, delivery: { backoff: { type: 'fixed', baseMs: 20, jitter: 'none' } } },
      ),
    );

    await runWithTraceparent(TRACEPARENT, () => emit(stream, { n: 1 }));
    await waitFor(() => seen.length === 2, 'the retry');
    const expected = { ctx: TRACEPARENT, traceId: TRACE_ID, current: TRACEPARENT };
    expect(seen).toEqual([
      { delivery: 1, ...expected },
      { delivery: 2, ...expected },
    ]);
    expect(headersOf((await redis.xrange(stream, '-', '+'))[0]).traceparent).toBe(TRACEPARENT);
    expect(warnings.find((line) => line.includes('failed on delivery 1'))).toContain(` trace=${TRACE_ID}`);
  });

  it('a redrive from the dead-letter stream keeps the original trace', async () => {
    const stream = uniqueName('trace-redrive');
    track(stream, 'g');
    const seen: Array<string | undefined> = [];
    let fail = true;
    consumers.push(
      await startConsumer(
        [
          eventController(stream, (_data, ctx) => {
            seen.push(ctx.getTraceparent());
            if (fail) {
              fail = false;
              throw new UnrecoverableEventError('dead-letter it');
            }
          }),
        ],
        { group: 'g', retryPollMs: 10 },
      ),
    );

    await runWithTraceparent(TRACEPARENT, () => emit(stream, { n: 1 }));
    await waitFor(async () => (await redis.xlen(StreamKeys.deadLetter(stream))) === 1, 'the dead letter');
    const redrive = await redriveDeadLetters(redis, stream, { all: true, by: 'test' });
    expect(redrive.redriven).toHaveLength(1);
    await waitFor(() => seen.length === 2, 'the redriven delivery');
    expect(seen).toEqual([TRACEPARENT, TRACEPARENT]);
  });

  it('an explicit traceparent wins; outside any trace the entry gets none', async () => {
    const stream = uniqueName('trace-explicit');
    keys.push(stream);
    const other = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';
    await runWithTraceparent(TRACEPARENT, () =>
      emit(stream, new RedisStreamsRecord({ n: 1 }, { headers: { traceparent: other } })),
    );
    await emit(stream, { n: 2 });
    const entries = (await redis.xrange(stream, '-', '+')) as Entry[];
    expect(entries.map(headersOf)).toEqual([{ traceparent: other }, {}]);
  });
});
