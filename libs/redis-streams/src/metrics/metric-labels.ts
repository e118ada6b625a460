import { InvalidOptionsError } from '../errors/redis-streams.error';

/** Label value for every pattern past the cap of {@link PatternLabels}. */
export const OTHER_PATTERNS = '_other';

const METRIC_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const ERROR_CODE = /^[A-Z]{1,20}$/;

/** Checks a metric-name prefix (Prometheus: `[a-zA-Z_:][a-zA-Z0-9_:]*`, or empty) and returns it. */
export function validatePrefix(prefix: string): string {
  if (prefix !== '' && !METRIC_PREFIX.test(prefix)) {
    throw new InvalidOptionsError(`metrics prefix "${prefix}" is not a valid Prometheus metric name prefix`);
  }
  return prefix;
}

/** A Redis error code as a label value: `OOM`, `NOPERM` …; `connection` when there is none (or it looks odd). */
export function errorCodeLabel(code: string | undefined): string {
  return code !== undefined && ERROR_CODE.test(code) ? code : 'connection';
}

/**
 * Bounds the `pattern` label. Patterns come from entries (a wildcard handler sees every type producers write), so
 * the first `max` distinct values are kept and every later one is reported as {@link OTHER_PATTERNS}: a producer
 * that writes random types cannot blow up the series count.
 */
export class PatternLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new InvalidOptionsError(`maxPatterns must be a positive integer, got ${max}`);
    }
  }

  /** The label value of `pattern`: itself while under the cap, `''` when unknown. */
  label(pattern: string | undefined): string {
    if (pattern === undefined || pattern === '') {
      return '';
    }
    if (this.seen.has(pattern)) {
      return pattern;
    }
    if (this.seen.size >= this.max) {
      return OTHER_PATTERNS;
    }
    this.seen.add(pattern);
    return pattern;
  }
}
