import { context, propagation } from '@opentelemetry/api';
import { ENVELOPE_FIELDS, hasKeys } from '../wire/envelope';
import { currentTraceContext } from './trace-carrier';
import { traceIdOf } from './traceparent';

/** The header names of the W3C trace context. */
export const TRACE_HEADERS = { traceparent: 'traceparent', tracestate: 'tracestate' } as const;

/**
 * The `headers` of an emitted entry: `defaults`, then the current trace context, then the caller's `explicit` headers.
 * The trace context is what a registered OpenTelemetry propagator injects (with an SDK), completed with
 * {@link currentTraceContext} (works without one). A caller that sets `traceparent` itself gets exactly its own
 * headers: nothing injected may mix another trace's state into them.
 */
export function withTraceHeaders(
  defaults: Readonly<Record<string, string>>,
  explicit: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (explicit?.[TRACE_HEADERS.traceparent] !== undefined) {
    return { ...defaults, ...explicit };
  }
  const injected: Record<string, string> = {};
  propagation.inject(context.active(), injected);
  if (injected[TRACE_HEADERS.traceparent] === undefined) {
    const current = currentTraceContext();
    if (current) {
      injected[TRACE_HEADERS.traceparent] = current.traceparent;
      if (current.tracestate !== undefined) {
        injected[TRACE_HEADERS.tracestate] = current.tracestate;
      }
    }
  }
  if (explicit === undefined && !hasKeys(injected)) {
    return defaults; // nothing to add: no copy per event
  }
  return { ...defaults, ...injected, ...explicit };
}

/** ` trace=<trace id>` for a log line when `traceparent` is valid, else ''. Never more than the id. */
export function traceLogSuffix(traceparent: string | undefined): string {
  const traceId = traceIdOf(traceparent);
  return traceId ? ` trace=${traceId}` : '';
}

/** The `traceparent` in the `headers` field of raw entry fields (undefined when absent or unreadable). */
export function traceparentOfFields(fields: readonly Buffer[] | null): string | undefined {
  if (!fields) {
    return undefined;
  }
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i].toString() === ENVELOPE_FIELDS.headers) {
      return traceparentOfJson(fields[i + 1].toString());
    }
  }
  return undefined;
}

function traceparentOfJson(json: string): string | undefined {
  try {
    const headers: unknown = JSON.parse(json);
    if (typeof headers === 'object' && headers !== null && !Array.isArray(headers)) {
      const value = (headers as Record<string, unknown>)[TRACE_HEADERS.traceparent];
      return typeof value === 'string' ? value : undefined;
    }
  } catch {
    // A malformed headers field: the entry is being dead-lettered for it; there is no trace to log.
  }
  return undefined;
}
