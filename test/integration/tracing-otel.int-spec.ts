import { Span, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys, currentTraceparent } from '@app/redis-streams';
import { TRACER_NAME } from '@app/redis-streams/tracing/delivery-trace';
import { formatTraceparent } from '@app/redis-streams/tracing/traceparent';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

// A real OpenTelemetry SDK, registered globally for this file only (each jest file has its own globals).

function headersOf(fields: string[]): Record<string, string> {
  const index = fields.findIndex((value, i) => i % 2 === 0 && value === 'headers');
  return index < 0 ? {} : (JSON.parse(fields[index + 1]) as Record<string, string>);
}

const traceparentOf = (span: Span | ReadableSpan): string => formatTraceparent(span.spanContext());

describe('tracing with an OpenTelemetry SDK', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  const redis = new Redis(process.env.REDIS_URL as string);
  const client = new ClientRedisStreams();
  let consumer: TestConsumer | undefined;
  const keys: string[] = [];

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });

  afterAll(async () => {
    await consumer?.close();
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    await client.close();
    redis.disconnect();
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('the consumer span is a child of and linked to the producer span, with messaging attributes; a failed delivery is an error span', async () => {
    const stream = uniqueName('otel');
    keys.push(stream, StreamKeys.deadLetter(stream));
    keys.push(StreamKeys.retryLane(stream, 'g'), StreamKeys.retrySchedule(stream, 'g'));
    keys.push(StreamKeys.promoterLease(stream, 'g'));
    const inHandler: Array<{ delivery: number; ctx?: string; current?: string; active?: string }> = [];
    consumer = await startConsumer(
      [
        eventController(stream, async (_data, ctx) => {
          await new Promise((resolve) => setImmediate(resolve));
          const active = trace.getActiveSpan();
          inHandler.push({
            delivery: ctx.getDeliveryCount(),
            ctx: ctx.getTraceparent(),
            current: currentTraceparent(),
            active: active && traceparentOf(active),
          });
          if (ctx.getDeliveryCount() === 1) {
            throw new TypeError('first delivery fails');
          }
        }),
      ],
      { group: 'g', retryPollMs: 10, delivery: { backoff: { type: 'fixed', baseMs: 20, jitter: 'none' } } },
    );

    const producer = trace.getTracer('test').startSpan('send', { kind: SpanKind.PRODUCER });
    const entryId = await context.with(trace.setSpan(context.active(), producer), () =>
      lastValueFrom(client.emit<string>(stream, { n: 1 })),
    );
    producer.end();
    const producerContext = producer.spanContext();

    // The W3C propagator wrote the producer span's context into the entry's headers.
    const [[, fields]] = await redis.xrange(stream, '-', '+');
    expect(headersOf(fields).traceparent).toBe(traceparentOf(producer));

    const consumerSpans = await waitFor(() => {
      const spans = exporter
        .getFinishedSpans()
        .filter(
          (span) => span.instrumentationScope.name === TRACER_NAME && span.name === `process ${stream}`,
        );
      return spans.length === 2 ? spans : undefined;
    }, 'two consumer spans');
    const [failed, succeeded] = consumerSpans;
    for (const [span, delivery] of [
      [failed, 1],
      [succeeded, 2],
    ] as const) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.spanContext().traceId).toBe(producerContext.traceId);
      expect(span.parentSpanContext?.spanId).toBe(producerContext.spanId);
      expect(span.links.map((link) => link.context.spanId)).toEqual([producerContext.spanId]);
      expect(span.attributes).toMatchObject({
        'messaging.system': 'redis',
        'messaging.operation.type': 'process',
        'messaging.destination.name': stream,
        'messaging.consumer.group.name': 'g',
        'messaging.message.id': entryId,
        'messaging.redis_streams.delivery_count': delivery,
      });
    }
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.status.message).toContain('TypeError: first delivery fails');
    expect(failed.attributes['error.type']).toBe('TypeError');
    expect(failed.events.map((event) => event.name)).toContain('exception');
    expect(succeeded.status.code).toBe(SpanStatusCode.UNSET);

    // In the handler: the context gives the producer's traceparent; the current (active) one is the consumer span's.
    expect(inHandler).toEqual([
      {
        delivery: 1,
        ctx: traceparentOf(producer),
        current: traceparentOf(failed),
        active: traceparentOf(failed),
      },
      {
        delivery: 2,
        ctx: traceparentOf(producer),
        current: traceparentOf(succeeded),
        active: traceparentOf(succeeded),
      },
    ]);
  });
});
