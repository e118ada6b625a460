import { formatTraceparent, isValidTraceparent, parseTraceparent, traceIdOf } from './traceparent';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('parseTraceparent', () => {
  it('reads the spec example', () => {
    expect(parseTraceparent(VALID)).toEqual({
      version: '00',
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
    });
  });

  it('reads unsampled and unknown flags', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.traceFlags).toBe(0);
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-ff`)?.traceFlags).toBe(255);
  });

  it.each([
    ['empty', ''],
    ['undefined', undefined],
    ['null', null],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['short span id', `00-${TRACE_ID}-${SPAN_ID.slice(1)}-01`],
    ['non-hex', `00-${TRACE_ID.slice(0, 31)}g-${SPAN_ID}-01`],
    ['wrong separators', `00_${TRACE_ID}_${SPAN_ID}_01`],
    ['version 00 with a suffix', `${VALID}-extra`],
    ['trailing space', `${VALID} `],
    ['future version, suffix without dash', `cc-${TRACE_ID}-${SPAN_ID}-01x`],
  ])('rejects %s', (_label, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
    expect(isValidTraceparent(value)).toBe(false);
  });

  it('reads a future version as version 00 (its first 55 characters)', () => {
    expect(parseTraceparent(`cc-${TRACE_ID}-${SPAN_ID}-01-what-comes-next`)).toEqual({
      version: 'cc',
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
    });
    expect(isValidTraceparent(`01-${TRACE_ID}-${SPAN_ID}-00`)).toBe(true);
  });
});

describe('formatTraceparent', () => {
  it('writes version 00 with two-digit flags', () => {
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 })).toBe(VALID);
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0 })).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-00`,
    );
  });

  it('round-trips with parseTraceparent', () => {
    const parsed = parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-03`);
    expect(parsed && formatTraceparent(parsed)).toBe(`00-${TRACE_ID}-${SPAN_ID}-03`);
  });

  it.each([
    ['an all-zero trace id', { traceId: '0'.repeat(32), spanId: SPAN_ID, traceFlags: 1 }],
    ['an all-zero span id', { traceId: TRACE_ID, spanId: '0'.repeat(16), traceFlags: 1 }],
    ['a short trace id', { traceId: 'abc', spanId: SPAN_ID, traceFlags: 1 }],
    ['an upper-case span id', { traceId: TRACE_ID, spanId: SPAN_ID.toUpperCase(), traceFlags: 1 }],
    ['flags over one byte', { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 256 }],
    ['fractional flags', { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1.5 }],
  ])('refuses %s', (_label, parts) => {
    expect(() => formatTraceparent(parts)).toThrow(TypeError);
  });
});

describe('traceIdOf', () => {
  it('is the trace id of a valid traceparent, else undefined', () => {
    expect(traceIdOf(VALID)).toBe(TRACE_ID);
    expect(traceIdOf('garbage')).toBeUndefined();
    expect(traceIdOf(undefined)).toBeUndefined();
  });
});
