import {
  Attributes,
  Context,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  Tracer,
  TracerProvider,
  context,
  createTraceState,
  propagation,
  trace,
} from '@opentelemetry/api';
import { runWithTraceparent } from './trace-carrier';
import { TRACE_HEADERS } from './trace-headers';
import { formatTraceparent, parseTraceparent } from './traceparent';

/** The tracer name of the transport's spans. */
export const TRACER_NAME = 'nest-redis-streams';

/** What a delivery's span describes. */
export interface DeliveryTraceInfo {
  stream: string;
  group: string;
  consumer: string;
  /** The entry's id in its stream (stable across retries). */
  entryId: string;
  pattern: string;
  eventId: string | undefined;
  deliveryCount: number;
  /** The dead-letter record the entry was redriven from. */
  redrivenFrom: string | undefined;
  /** The entry's `headers` (they carry the producer's `traceparent`, copied unchanged into retries and redrives). */
  headers: Readonly<Record<string, string>>;
}

/** What the dispatcher does with a delivery's trace. */
export interface HandlerTrace {
  /** Runs the handler inside the delivery's trace. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Ends the trace when `outcome` settles; returns `outcome` unchanged. */
  endWith<T>(outcome: Promise<T>): Promise<T>;
}

/** No trace to record or carry. */
const UNTRACED: HandlerTrace = { run: (fn) => fn(), endWith: (outcome) => outcome };

/**
 * The trace of one delivery: a CONSUMER span, child of (and linked to) the producer's span found in the headers,
 * that the handler runs in. Without an OpenTelemetry SDK the span is a no-op and only the incoming traceparent is
 * carried into the handler (so what it emits stays in the producer's trace).
 */
export class DeliveryTrace implements HandlerTrace {
  private constructor(
    private readonly parent: Context,
    private readonly span: Span,
    private readonly traceparent: string | undefined,
    private readonly tracestate: string | undefined,
  ) {}

  /**
   * Starts the delivery's span (not yet active: see {@link run}). When nothing is recording (no SDK, or sampled out)
   * and the entry carries no trace, there is nothing to record or carry: the shared {@link UNTRACED} is returned and
   * the hot path pays for no attributes, contexts or extra promise. Attributes are set after the start, so a sampler
   * sees the span kind, name and links, not the messaging attributes.
   */
  static start(info: DeliveryTraceInfo): HandlerTrace {
    const parent = extractParent(info.headers);
    const producer = trace.getSpanContext(parent);
    const span = transportTracer().startSpan(
      `process ${info.stream}`,
      { kind: SpanKind.CONSUMER, links: producer ? [{ context: producer }] : [] },
      parent,
    );
    const recording = span.isRecording();
    if (!recording && producer === undefined) {
      return UNTRACED;
    }
    if (recording) {
      span.setAttributes(attributesOf(info));
    }
    const own = span.spanContext();
    if (trace.isSpanContextValid(own)) {
      const traceparent = formatTraceparent({
        traceId: own.traceId.toLowerCase(),
        spanId: own.spanId.toLowerCase(),
        traceFlags: own.traceFlags & 0xff,
      });
      return new DeliveryTrace(parent, span, traceparent, own.traceState?.serialize());
    }
    return new DeliveryTrace(parent, span, undefined, undefined);
  }

  /** Runs the handler with the span active (OpenTelemetry context) and its traceparent current (fallback carrier). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return context.with(trace.setSpan(this.parent, this.span), () =>
      runWithTraceparent(this.traceparent, fn, this.tracestate),
    );
  }

  /** Ends the span when `outcome` settles: status ERROR when it rejects. Returns `outcome` unchanged. */
  endWith<T>(outcome: Promise<T>): Promise<T> {
    outcome.then(
      () => this.span.end(),
      (error: unknown) => {
        this.fail(error);
        this.span.end();
      },
    );
    return outcome;
  }

  private fail(error: unknown): void {
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : 'non-Error failure';
    this.span.setAttribute('error.type', name);
    if (error instanceof Error) {
      this.span.recordException(error);
    }
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: `${name}: ${message.slice(0, 200)}` });
  }
}

let tracerOf: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The transport's tracer, fetched again only when the global provider object changes (`trace.disable()` and a new
 * registration): `getTracer` allocates a proxy per call while no SDK is registered. A proxy tracer follows an SDK
 * registered later by itself.
 */
function transportTracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (tracerOf?.provider !== provider) {
    tracerOf = { provider, tracer: provider.getTracer(TRACER_NAME) };
  }
  return tracerOf.tracer;
}

/** The producer's context from the headers: a registered propagator's extraction, else our own parse. */
function extractParent(headers: Readonly<Record<string, string>>): Context {
  const extracted = propagation.extract(ROOT_CONTEXT, headers);
  const spanContext = trace.getSpanContext(extracted);
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    return extracted;
  }
  const parsed = parseTraceparent(headers[TRACE_HEADERS.traceparent]);
  if (!parsed) {
    return extracted;
  }
  const tracestate = headers[TRACE_HEADERS.tracestate];
  return trace.setSpanContext(extracted, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.traceFlags,
    isRemote: true,
    ...(typeof tracestate === 'string' && tracestate ? { traceState: createTraceState(tracestate) } : {}),
  });
}

/** OpenTelemetry messaging semantic conventions, plus this transport's own `messaging.redis_streams.*`. */
function attributesOf(info: DeliveryTraceInfo): Attributes {
  const attributes: Attributes = {
    'messaging.system': 'redis',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': info.stream,
    'messaging.consumer.group.name': info.group,
    'messaging.client.id': info.consumer,
    'messaging.message.id': info.entryId,
    'messaging.redis_streams.pattern': info.pattern,
    'messaging.redis_streams.delivery_count': info.deliveryCount,
  };
  if (info.eventId !== undefined) {
    attributes['messaging.redis_streams.event_id'] = info.eventId;
  }
  if (info.redrivenFrom !== undefined) {
    attributes['messaging.redis_streams.redriven_from'] = info.redrivenFrom;
  }
  return attributes;
}
