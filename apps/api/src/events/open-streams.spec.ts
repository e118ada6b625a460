import { eventsConfigFrom } from './events.config';
import { OpenStreams, TooManyStreamsError } from './open-streams';

describe('OpenStreams', () => {
  const limited = () =>
    new OpenStreams(eventsConfigFrom((name) => (name === 'EVENTS_MAX_STREAMS' ? '2' : undefined)));
  const noop = (): Promise<void> => Promise.resolve();

  it('counts up to the limit, then refuses; a release (idempotent) frees one slot', () => {
    const streams = limited();
    const release = streams.acquire(noop);
    streams.acquire(noop);
    expect(streams.count).toBe(2);
    expect(() => streams.acquire(noop)).toThrow(TooManyStreamsError);
    expect(() => streams.acquire(noop)).toThrow(
      'too many live event streams open (limit 2); try again later',
    );
    release();
    release();
    expect(streams.count).toBe(1);
    expect(() => streams.acquire(noop)).not.toThrow();
  });

  it('closes every open stream at shutdown, even when one close fails', async () => {
    const streams = limited();
    const closed: number[] = [];
    streams.acquire(() => Promise.reject(new Error('gone')));
    streams.acquire(() => {
      closed.push(1);
      return Promise.resolve();
    });
    await streams.onModuleDestroy();
    expect(closed).toEqual([1]);
  });
});
