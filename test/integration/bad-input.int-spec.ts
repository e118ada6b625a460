import { execFileSync } from 'node:child_process';
import { Controller, UsePipes, ValidationPipe } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { IsEmail } from 'class-validator';
import { Redis } from 'ioredis';
import { StreamKeys, redisStreamsValidationExceptionFactory } from '@app/redis-streams';
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

describe('the rest of the bad-input catalogue', () => {
  const redis = new Redis(process.env.REDIS_URL as string);
  let consumer: TestConsumer | undefined;
  const streams: string[] = [];

  afterAll(async () => {
    await consumer?.close();
    await redis.del(...streams.flatMap((s) => [s, StreamKeys.deadLetter(s), StreamKeys.retryLane(s, 'g')]));
    redis.disconnect();
  });

  it('huge field names, binary junk, thousands of fields, and JSON null/number/string/array where a DTO wants an object', async () => {
    const raw = uniqueName('catalogue');
    const typed = `${raw}.signup`;
    streams.push(raw, typed);

    class SignupDto {
      @IsEmail()
      email!: string;
    }

    const seen: unknown[] = [];

    @Controller()
    class CatalogueController {
      @EventPattern(raw)
      plain(@Payload() data: unknown): void {
        seen.push(data);
      }

      @EventPattern(typed)
      @UsePipes(new ValidationPipe({ exceptionFactory: redisStreamsValidationExceptionFactory }))
      signup(@Payload() dto: SignupDto): void {
        seen.push(dto);
      }
    }

    consumer = await startConsumer([CatalogueController], { group: 'g', startId: '0' });
    const xadd = (stream: string, ...fields: string[]): string => redisCli(['XADD', stream, '*', ...fields]);
    const onRaw: Array<[string, string]> = [
      [xadd(raw, 'type', raw, 'data', '{}', 'n'.repeat(2048), 'v'), 'too-large'],
      [
        xadd(
          raw,
          'type',
          raw,
          'data',
          '{}',
          ...Array.from({ length: 2000 }, (_, i) => [`f${i}`, 'v']).flat(),
        ),
        'too-many-fields',
      ],
      // Binary junk: bytes that are not UTF-8, and printable junk that is not JSON.
      [
        redisCli(['-x', 'XADD', raw, '*', 'type', raw, 'data'], Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x80])),
        'invalid-utf8',
      ],
      [xadd(raw, 'type', raw, 'data', '\u0001\u0002 {junk'), 'invalid-json'],
    ];
    const onTyped: Array<[string, string]> = [
      'null',
      '42',
      '"a string"',
      '[{"email":"someone@example.com"}]',
    ].map((data) => [xadd(typed, 'type', typed, 'data', data), 'validation']);
    xadd(raw, 'type', raw, 'data', '{"ok":true}');
    xadd(typed, 'type', typed, 'data', '{"email":"someone@example.com"}');

    await waitFor(() => seen.length === 2, 'the valid entries after the bad ones handled');
    const reasons = async (stream: string): Promise<Array<[string, string]>> =>
      (await redis.xrange(StreamKeys.deadLetter(stream), '-', '+')).map(([, fields]) => [
        fields[fields.indexOf('dlq_original_id') + 1],
        fields[fields.indexOf('dlq_reason') + 1],
      ]);
    await waitFor(async () => (await reasons(raw)).length === onRaw.length, 'raw ones dead-lettered');
    await waitFor(async () => (await reasons(typed)).length === onTyped.length, 'typed ones dead-lettered');
    expect(await reasons(raw)).toEqual(onRaw);
    expect(await reasons(typed)).toEqual(onTyped);
    for (const stream of [raw, typed]) {
      await waitFor(
        async () => ((await redis.xpending(stream, 'g')) as [number])[0] === 0,
        `nothing pending on ${stream}`,
      );
    }
  });
});
