import { InvalidOptionsError } from '../errors/redis-streams.error';
import { resolveRoutes } from './routing-options';

describe('the deadLetterStream route option', () => {
  it('is kept when given and absent otherwise', () => {
    const [named, plain] = resolveRoutes([
      { stream: 'orders', patterns: ['orders'], deadLetterStream: 'orders:dead_letter' },
      { stream: 'payments', patterns: ['payments'] },
    ]);
    expect(named.deadLetterStream).toBe('orders:dead_letter');
    expect(plain.deadLetterStream).toBeUndefined();
  });

  it.each([
    [[{ stream: 's', patterns: ['s'], deadLetterStream: '' }], /routes\[0\]\.deadLetterStream/],
    [[{ stream: 's', patterns: ['s'], deadLetterStream: ' s:dl' }], /routes\[0\]\.deadLetterStream/],
    [[{ stream: 's', patterns: ['s'], deadLetterStream: 's' }], /other than the route's stream/],
    [
      [
        { stream: 's', patterns: ['s'], deadLetterStream: 't' },
        { stream: 't', patterns: ['t'] },
      ],
      /"t" of stream "s" is also a routed stream/,
    ],
    [
      [
        { stream: 's', patterns: ['s'], deadLetterStream: 'dl' },
        { stream: 't', patterns: ['t'], deadLetterStream: 'dl' },
      ],
      /"dl" of stream "t" is also the dead-letter stream of "s"/,
    ],
  ])('refuses %j', (routes, message) => {
    expect(() => resolveRoutes(routes)).toThrow(InvalidOptionsError);
    expect(() => resolveRoutes(routes)).toThrow(message);
  });
});
