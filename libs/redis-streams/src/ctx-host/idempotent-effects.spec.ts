import { RedisStreamsError } from '../errors/redis-streams.error';
import { EFFECT_LIMITS } from '../options/idempotency-options';
import { EffectQueue, encodeEffects } from './idempotent-effects';

describe('idempotent effects', () => {
  it('encodes the count, then each command as its value count and values, name first', () => {
    expect(encodeEffects([])).toEqual(['0']);
    expect(
      encodeEffects([
        ['INCR', 'k'],
        ['HSET', 'h', 'f', 'v'],
      ]),
    ).toEqual(['2', '2', 'INCR', 'k', '4', 'HSET', 'h', 'f', 'v']);
  });

  it('queues commands in order, numbers as decimal text and Buffers as given, then closes', () => {
    const bytes = Buffer.from([0, 255]);
    const queue = new EffectQueue();
    expect(queue.call('INCRBY', 'n', 5).call('SET', 'b', bytes).call('JSON.SET', 'j', '$', '{}')).toBe(queue);
    expect(queue.size).toBe(3);
    expect(queue.names()).toEqual(['INCRBY', 'SET', 'JSON.SET']);
    expect(queue.close()).toEqual([
      '3',
      '3',
      'INCRBY',
      'n',
      '5',
      '3',
      'SET',
      'b',
      bytes,
      '4',
      'JSON.SET',
      'j',
      '$',
      '{}',
    ]);
    expect(() => queue.call('INCR', 'late')).toThrow(/already committed/);
  });

  it('refuses what the commit could not run, when the handler queues it', () => {
    const queue = new EffectQueue();
    expect(() => queue.call('')).toThrow(RedisStreamsError);
    expect(() => queue.call('INCR k')).toThrow(/needs a Redis command name/);
    expect(() => queue.call(42 as unknown as string)).toThrow(/needs a Redis command name/);
    expect(() => queue.call('SET', 'k', Number.NaN)).toThrow(
      /SET: arguments must be strings, finite numbers or Buffers \(got NaN\)/,
    );
    expect(() => queue.call('SET', 'k', {} as unknown as string)).toThrow(/got object/);
    expect(() => queue.call('RPUSH', 'k', ...new Array<string>(EFFECT_LIMITS.maxArgs).fill('v'))).toThrow(
      /at most 999 arguments/,
    );
    expect(queue.size).toBe(0);
    queue.call('RPUSH', 'k', ...new Array<string>(EFFECT_LIMITS.maxArgs - 2).fill('v'));
    expect(queue.size).toBe(1);
  });

  it('caps the number of commands and their bytes', () => {
    const many = new EffectQueue();
    for (let n = 0; n < EFFECT_LIMITS.maxCommands; n++) {
      many.call('INCR', `k${n}`);
    }
    expect(() => many.call('INCR', 'one-more')).toThrow(/at most 1000 effects per delivery/);
    const big = new EffectQueue();
    big.call('SET', 'a', 'x'.repeat(EFFECT_LIMITS.maxBytes - 10));
    expect(() => big.call('SET', 'b', 'xxxxxxxxxx')).toThrow(/limited to 4194304 bytes/);
    expect(big.size).toBe(1);
  });
});
