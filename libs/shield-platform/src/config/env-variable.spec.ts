import {
  EnvVariableError,
  fileVariable,
  integerVariable,
  listVariable,
  optionalIntegerVariable,
  redisUrlVariable,
  textVariable,
} from './env-variable';

describe('env variables', () => {
  const concurrency = integerVariable('CONSUMER_CONCURRENCY', 128, {
    min: 1,
    max: 1000,
    description: 'slots',
  });

  it('an integer: its default when unset, empty or blank; the number when valid (spaces trimmed)', () => {
    expect(concurrency.read(undefined)).toBe(128);
    expect(concurrency.read('')).toBe(128);
    expect(concurrency.read('   ')).toBe(128);
    expect(concurrency.read(' 7 ')).toBe(7);
    expect(concurrency.read('1')).toBe(1);
    expect(concurrency.read('1000')).toBe(1000);
    expect(concurrency.defaultText).toBe('128');
  });

  it.each([
    ['abc', '"abc"'],
    ['12abc', '"12abc"'],
    ['1.5', '"1.5"'],
    ['1e3', '"1e3"'],
    ['0', '"0"'],
    ['1001', '"1001"'],
    ['-3', '"-3"'],
    ['0x10', '"0x10"'],
    ['99999999999999999999', '"99999999999999999999"'],
  ])('an integer refuses %p, naming the variable, the rule and the value', (text, quoted) => {
    expect(() => concurrency.read(text)).toThrow(EnvVariableError);
    expect(() => concurrency.read(text)).toThrow(
      `CONSUMER_CONCURRENCY must be an integer from 1 to 1000, got ${quoted}`,
    );
  });

  it('quotes at most 40 characters of a bad value', () => {
    expect(() => concurrency.read('x'.repeat(500))).toThrow(`got "${'x'.repeat(40)}…"`);
  });

  it('an optional integer is undefined when unset, checked when set', () => {
    const lag = optionalIntegerVariable('HEALTH_MAX_LAG', 'unset (not checked)', {
      min: 0,
      max: 10,
      description: 'lag',
    });
    expect(lag.read(undefined)).toBeUndefined();
    expect(lag.read(' ')).toBeUndefined();
    expect(lag.read('0')).toBe(0);
    expect(() => lag.read('lots')).toThrow('HEALTH_MAX_LAG must be an integer from 0 to 10, got "lots"');
    expect(lag.defaultText).toBe('unset (not checked)');
  });

  it('text is kept as given; blank is unset', () => {
    const name = textVariable('CONSUMER_NAME', 'host-pid-random', { description: 'name' });
    expect(name.read(undefined)).toBeUndefined();
    expect(name.read('  ')).toBeUndefined();
    expect(name.read('pod-7')).toBe('pod-7');
  });

  it('a file path is trimmed; blank is unset (whether it can be read is checked with its companions)', () => {
    const ca = fileVariable('REDIS_TLS_CA_FILE', 'unset', { description: 'CA' });
    expect(ca.read(undefined)).toBeUndefined();
    expect(ca.read('  ')).toBeUndefined();
    expect(ca.read(' /etc/tls/ca.pem ')).toBe('/etc/tls/ca.pem');
    expect(ca.defaultText).toBe('unset');
  });

  it('a list drops blanks and repeats, and falls back when empty', () => {
    const streams = listVariable('EVENTS_STREAMS', ['a', 'b'], { description: 'streams' });
    expect(streams.read(undefined)).toEqual(['a', 'b']);
    expect(streams.read(' , ,')).toEqual(['a', 'b']);
    expect(streams.read(' x, y,x ')).toEqual(['x', 'y']);
    expect(streams.defaultText).toBe('a,b');
  });

  it('a Redis URL must be redis:// or rediss://; a bad one is quoted without its password', () => {
    const url = redisUrlVariable('REDIS_URL', 'redis://127.0.0.1:6379', { description: 'redis' });
    expect(url.read(undefined)).toBe('redis://127.0.0.1:6379');
    expect(url.read('rediss://u:p@host:6380/2')).toBe('rediss://u:p@host:6380/2');
    expect(() => url.read('localhost:6379')).toThrow(
      'REDIS_URL must be a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster:// URL, got "localhost:6379"',
    );
    let message = '';
    try {
      url.read('http://admin:s3cret@host');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      'REDIS_URL must be a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster:// URL',
    );
    expect(message).not.toContain('s3cret');
  });
});
