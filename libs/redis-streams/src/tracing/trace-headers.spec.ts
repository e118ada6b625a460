import { currentTraceparent, runWithTraceparent } from './trace-carrier';
import { traceLogSuffix, traceparentOfFields, withTraceHeaders } from './trace-headers';

// No OpenTelemetry SDK here: the API is a no-op and only the fallback carrier carries the trace.
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const OTHER = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('trace headers without an OpenTelemetry SDK', () => {
  it('adds nothing outside a trace', () => {
    expect(currentTraceparent()).toBeUndefined();
    expect(withTraceHeaders({ source: 'api' }, undefined)).toEqual({ source: 'api' });
  });

  it('carries the traceparent across async calls inside runWithTraceparent', async () => {
    const seen = await runWithTraceparent(TRACEPARENT, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return withTraceHeaders({ source: 'api' }, { correlation: 'c-1' });
    });
    expect(seen).toEqual({ source: 'api', traceparent: TRACEPARENT, correlation: 'c-1' });
    expect(currentTraceparent()).toBeUndefined();
  });

  it('carries a valid tracestate with it, drops an oversized one', () => {
    expect(runWithTraceparent(TRACEPARENT, () => withTraceHeaders({}, undefined), 'vendor=a')).toEqual({
      traceparent: TRACEPARENT,
      tracestate: 'vendor=a',
    });
    expect(runWithTraceparent(TRACEPARENT, () => withTraceHeaders({}, undefined), 'x'.repeat(600))).toEqual({
      traceparent: TRACEPARENT,
    });
  });

  it('ignores an invalid traceparent (the surrounding trace stays)', () => {
    expect(runWithTraceparent('00-bad', () => currentTraceparent())).toBeUndefined();
    expect(
      runWithTraceparent(TRACEPARENT, () => runWithTraceparent('junk', () => currentTraceparent())),
    ).toBe(TRACEPARENT);
  });

  it('never overrides a traceparent the caller set, nor mixes in the current tracestate', () => {
    const headers = runWithTraceparent(
      TRACEPARENT,
      () => withTraceHeaders({ source: 'api' }, { traceparent: OTHER }),
      'vendor=a',
    );
    expect(headers).toEqual({ source: 'api', traceparent: OTHER });
  });
});

describe('trace ids in log lines', () => {
  const fields = (headers: string): Buffer[] =>
    ['type', 'x', 'data', '{}', 'headers', headers].map((value) => Buffer.from(value));

  it('reads the traceparent from raw entry fields', () => {
    expect(traceparentOfFields(fields(JSON.stringify({ traceparent: TRACEPARENT })))).toBe(TRACEPARENT);
    expect(traceparentOfFields(fields('not json'))).toBeUndefined();
    expect(traceparentOfFields(fields('[1]'))).toBeUndefined();
    expect(traceparentOfFields(null)).toBeUndefined();
  });

  it('appends only the trace id, and nothing without a valid traceparent', () => {
    expect(traceLogSuffix(TRACEPARENT)).toBe(' trace=4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceLogSuffix('junk')).toBe('');
    expect(traceLogSuffix(undefined)).toBe('');
  });
});
