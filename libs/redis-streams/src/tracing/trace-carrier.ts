import { AsyncLocalStorage } from 'node:async_hooks';
import { context, trace } from '@opentelemetry/api';
import { formatTraceparent, isValidTraceparent } from './traceparent';

/** The W3C trace context of the current work: what the transport writes into an emitted entry's `headers`. */
export interface TraceContextHeaders {
  traceparent: string;
  tracestate?: string;
}

/** The W3C limit on a `tracestate` value; longer (or non-printable) values are dropped, not truncated. */
const MAX_TRACESTATE = 512;
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * Carries the trace context across async calls when no OpenTelemetry SDK is installed: the API's no-op context
 * manager keeps nothing, so without this a traceparent received by a handler would be lost before its emits.
 */
const carrier = new AsyncLocalStorage<TraceContextHeaders>();

/**
 * Runs `fn` with `traceparent` (and `tracestate`) as the current trace context, for this call and everything it
 * starts asynchronously: events emitted inside carry it in their `headers`. An absent or invalid traceparent is
 * ignored (`fn` runs in the surrounding context). Works without an OpenTelemetry SDK; with one, an active span
 * takes precedence (see {@link currentTraceparent}).
 */
export function runWithTraceparent<T>(traceparent: string | undefined, fn: () => T, tracestate?: string): T {
  if (!isValidTraceparent(traceparent)) {
    return fn();
  }
  const state = validTracestate(tracestate);
  return carrier.run(state === undefined ? { traceparent } : { traceparent, tracestate: state }, fn);
}

/**
 * The trace context of the current work: the active OpenTelemetry span's when an SDK is installed and a span is
 * active, else the one set by {@link runWithTraceparent} (the transport sets it around each handler), else undefined.
 */
export function currentTraceContext(): TraceContextHeaders | undefined {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    const traceparent = formatTraceparent({
      traceId: spanContext.traceId.toLowerCase(),
      spanId: spanContext.spanId.toLowerCase(),
      traceFlags: spanContext.traceFlags & 0xff,
    });
    const tracestate = validTracestate(spanContext.traceState?.serialize());
    return tracestate === undefined ? { traceparent } : { traceparent, tracestate };
  }
  return carrier.getStore();
}

/** The current `traceparent` (see {@link currentTraceContext}), or undefined outside any trace. */
export function currentTraceparent(): string | undefined {
  return currentTraceContext()?.traceparent;
}

function validTracestate(value: string | undefined): string | undefined {
  return value && value.length <= MAX_TRACESTATE && PRINTABLE.test(value) ? value : undefined;
}
