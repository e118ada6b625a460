import { InvalidOptionsError } from '../errors/redis-streams.error';
import { OTHER_PATTERNS, PatternLabels, errorCodeLabel, validatePrefix } from './metric-labels';

describe('metric labels', () => {
  it('keeps the first max patterns and reports later ones as _other', () => {
    const labels = new PatternLabels(2);
    expect(labels.label('a')).toBe('a');
    expect(labels.label('b')).toBe('b');
    expect(labels.label('c')).toBe(OTHER_PATTERNS);
    expect(labels.label('a')).toBe('a');
    expect(labels.label(undefined)).toBe('');
    expect(labels.label('')).toBe('');
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => new PatternLabels(0)).toThrow(InvalidOptionsError);
    expect(() => new PatternLabels(1.5)).toThrow(InvalidOptionsError);
  });

  it('accepts Prometheus name prefixes only', () => {
    expect(validatePrefix('redis_streams_')).toBe('redis_streams_');
    expect(validatePrefix('')).toBe('');
    expect(validatePrefix('app:rs_')).toBe('app:rs_');
    expect(() => validatePrefix('9lives_')).toThrow(InvalidOptionsError);
    expect(() => validatePrefix('my-app_')).toThrow(InvalidOptionsError);
  });

  it('turns Redis error codes into bounded label values', () => {
    expect(errorCodeLabel('OOM')).toBe('OOM');
    expect(errorCodeLabel('NOPERM')).toBe('NOPERM');
    expect(errorCodeLabel(undefined)).toBe('connection');
    expect(errorCodeLabel('A'.repeat(40))).toBe('connection');
  });
});
