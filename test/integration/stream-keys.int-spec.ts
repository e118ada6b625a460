import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InvalidOptionsError, ServerRedisStreams, StreamKeys } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { eventController, startConsumer } from '../support/nest';
import { useStreamFixture } from '../support/stream-fixture';
import { waitFor } from '../support/wait';

describe('derived keys on real Redis', () => {
  const { redis, consumers, keys, track, emit } = useStreamFixture();

  const connections = async (): Promise<number> =>
    String(await redis.client('LIST'))
      .split('\n')
      .filter((line) => line.trim() !== '').length;

  /** Keys whose name contains `text`. */
  const keysNaming = async (text: string): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `*${text.replace(/[*?[\]\\]/g, '\\$&')}*`);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  };

  it.each([
    ['a route to a stream with "}" but no hash tag', 'a}b', true],
    ['a pattern that is such a stream', 'x{}y', false],
  ])(
    '%s: listen() is refused with the stream named, and leaves no connection open',
    async (_, label, routed) => {
      const stream = uniqueName(label);
      const pattern = routed ? uniqueName('pattern') : stream;
      const group = uniqueName('group');
      keys.push(stream);
      const before = await connections();
      const server = new ServerRedisStreams({
        group,
        consumer: 'refused',
        blockMs: 200,
        routes: routed ? [{ stream, patterns: [pattern] }] : undefined,
      });
      @Module({ controllers: [eventController(pattern, () => undefined)] })
      class RefusedModule {}
      const app = await NestFactory.createMicroservice(RefusedModule, { strategy: server, logger: false });
      try {
        const refused = app.listen();
        await expect(refused).rejects.toThrow(InvalidOptionsError);
        await expect(refused).rejects.toThrow(`stream "${stream}" has a "}" but no hash tag`);
        expect(await connections()).toBe(before);
        // Nothing created either: no stream, no group, no consumer-name lease.
        expect(await keysNaming(stream)).toEqual([]);
        expect(await keysNaming(group)).toEqual([]);
      } finally {
        await app.close();
      }
      expect(await connections()).toBe(before);
    },
  );

  it('groups "g", "g:due" and "g:promoter" on one stream keep their own retry lanes and schedules', async () => {
    const stream = uniqueName('keys');
    // In this order the old keys collided at run time: g's schedule and promoter lease were the others' lanes.
    const groups = ['g:due', 'g:promoter', 'g'];
    track(stream, groups);
    const handled = new Map<string, Map<number, number>>(groups.map((group) => [group, new Map()]));
    for (const group of groups) {
      const seen = handled.get(group) as Map<number, number>;
      consumers.push(
        await startConsumer(
          [
            eventController(stream, (data) => {
              const { n } = data as { n: number };
              const count = (seen.get(n) ?? 0) + 1;
              seen.set(n, count);
              if (count === 1) {
                throw new Error(`first delivery of ${n} to ${group} fails`);
              }
            }),
          ],
          {
            group,
            retryPollMs: 10,
            // Long enough that every first failure is still scheduled when the schedules are inspected below.
            delivery: { maxDeliveries: 3, backoff: { type: 'fixed', baseMs: 600, jitter: 'none' } },
          },
        ),
      );
    }
    const events = [0, 1, 2, 3, 4];
    await Promise.all(events.map((n) => emit(stream, { n })));

    const typeOf = (key: string): Promise<string> => redis.type(key);
    for (const group of groups) {
      await waitFor(
        async () => (await typeOf(StreamKeys.retrySchedule(stream, group))) === 'zset',
        `${group}'s retries scheduled`,
      );
    }
    for (const group of groups) {
      expect(await typeOf(StreamKeys.retryLane(stream, group))).toBe('stream');
      const readers = (await redis.xinfo('GROUPS', StreamKeys.retryLane(stream, group))) as unknown[][];
      expect(readers.map((info) => info[1])).toEqual([group]);
    }

    const settled = async (): Promise<boolean> => {
      for (const group of groups) {
        const lane = StreamKeys.retryLane(stream, group);
        const [sourcePending] = (await redis.xpending(stream, group)) as [number];
        const [lanePending] = (await redis.xpending(lane, group)) as [number];
        if (sourcePending + lanePending + (await redis.xlen(lane)) > 0) {
          return false;
        }
        if ((await redis.zcard(StreamKeys.retrySchedule(stream, group))) > 0) {
          return false;
        }
      }
      return true;
    };
    await waitFor(settled, 'every retry done and acknowledged', 20_000);
    // Nothing is left pending or scheduled, so no further delivery can come: the counts are final.
    for (const group of groups) {
      expect(Object.fromEntries(handled.get(group) as Map<number, number>)).toEqual(
        Object.fromEntries(events.map((n) => [n, 2])),
      );
      expect(await typeOf(StreamKeys.retryLane(stream, group))).toBe('stream');
      expect(['zset', 'none']).toContain(await typeOf(StreamKeys.retrySchedule(stream, group)));
      expect(['string', 'none']).toContain(await typeOf(StreamKeys.promoterLease(stream, group)));
    }
    expect(await redis.exists(StreamKeys.deadLetter(stream))).toBe(0);
  });
});
