import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { StreamKeys } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { waitFor } from '../support/wait';

/** Runs redis-cli against the test Redis; `input` is sent on stdin (for values redis-cli args cannot carry). */
function redisCli(args: string[], input?: Buffer): string {
  return execFileSync('redis-cli', ['-u', process.env.REDIS_URL as string, ...args], { input })
    .toString()
    .trim();
}

describe('bad input never kills the loop', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let consumer: TestConsumer | undefined;
  let stream: string;

  afterEach(async () => {
    await consumer?.close();
    await redis.del(stream, StreamKeys.deadLetter(stream), StreamKeys.retryLane(stream, 'g'));
  });
  afterAll(() => redis.disconnect());

  it('each bad entry written with redis-cli lands in the DLQ once with its own reason; the next valid entry is handled', async () => {
    stream = uniqueName('bad');
    const seen: unknown[] = [];
    consumer = await startConsumer([eventController(stream, (data) => void seen.push(data))], {
      group: 'g',
      startId: '0',
      maxPayloadBytes: 64 * 1024,
      maxDepth: 16,
    });
    const xadd = (...fields: string[]): string => redisCli(['XADD', stream, '*', ...fields]);
    const expected: Array<[string, string]> = [
      [xadd('type', stream, 'data', 'not json at all'), 'invalid-json'],
      [xadd('type', stream), 'missing-data'],
      [xadd('type', stream, 'data', '{}', 'data', '{}'), 'duplicate-field'],
      [xadd('type', stream, 'data', JSON.stringify({ s: 'x'.repeat(70 * 1024) })), 'too-large'],
      [xadd('type', stream, 'data', '['.repeat(40) + ']'.repeat(40)), 'too-deep'],
      [xadd('type', stream, 'data', '{"__proto__":{"polluted":true}}'), 'prototype-pollution'],
      [
        xadd('type', stream, 'data', '{"constructor":{"prototype":{"polluted":true}}}'),
        'prototype-pollution',
      ],
      [xadd('type', 'somebody.else', 'data', '{}'), 'no-handler'],
    ];
    // Invalid UTF-8 cannot travel as a redis-cli argument: feed the raw command on stdin (-x appends it).
    const invalidUtf8 = redisCli(
      ['-x', 'XADD', stream, '*', 'type', stream, 'data'],
      Buffer.from([0x22, 0xc3, 0x28, 0x22]),
    );
    expected.push([invalidUtf8, 'invalid-utf8']);
    const valid = xadd('type', stream, 'data', '{"ok":true}');

    await waitFor(() => seen.length === 1, 'the valid entry after the bad ones handled');
    expect(seen).toEqual([{ ok: true }]);
    await waitFor(
      async () => (await redis.xlen(StreamKeys.deadLetter(stream))) === expected.length,
      'all dead-lettered',
    );
    const records = (await redis.xrange(StreamKeys.deadLetter(stream), '-', '+')).map(([, raw]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < raw.length; i += 2) {
        fields[raw[i]] = raw[i + 1];
      }
      return fields;
    });
    expect(records.map((r) => [r.dlq_original_id, r.dlq_reason])).toEqual(expected);
    // Raw values are kept (capped): the too-large one is truncated and marked.
    const tooLarge = records[3];
    expect(tooLarge.dlq_truncated).toBe('true');
    expect(Buffer.byteLength(tooLarge.data)).toBeLessThanOrEqual(64 * 1024);
    expect(records[0].data).toBe('not json at all');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    await waitFor(async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    expect(valid).toMatch(/^\d+-\d+$/);
  });
});
