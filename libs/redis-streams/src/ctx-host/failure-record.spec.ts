import { recordFailure, takeFailure } from './failure-record';
import { RedisStreamsContext } from './redis-streams.context';

function context(): RedisStreamsContext {
  return new RedisStreamsContext(['s', '1-0', 'g', 'c', 1, {}, {}, 'p', undefined, undefined]);
}

describe('failure record', () => {
  it('is taken once, from the context it was recorded on', () => {
    const failed = context();
    const other = context();
    const error = new Error('boom');
    recordFailure(failed, error);
    expect(takeFailure(other)).toBeUndefined();
    expect(takeFailure(failed)).toEqual({ error });
    expect(takeFailure(failed)).toBeUndefined();
  });

  it('tells a thrown undefined from no record', () => {
    const failed = context();
    recordFailure(failed, undefined);
    expect(takeFailure(failed)).toEqual({ error: undefined });
  });

  it('does not show on the context', () => {
    const failed = context();
    recordFailure(failed, new Error('secret'));
    expect(Object.keys(failed)).toEqual(Object.keys(context()));
    expect(JSON.stringify(failed)).toBe(JSON.stringify(context()));
  });
});
