import { LoggerService } from '@nestjs/common';
import { RedisScripts } from '../lua/scripts';
import { RetryPromoter } from './retry-promoter';
import { StreamKeys } from '../wire/stream-keys';

describe('RetryPromoter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("isolates each stream: one stream's failing promotion neither stops the others nor logs on every tick", async () => {
    const calls: string[] = [];
    let brokenFails = true;
    const scripts = {
      promoteRetries: (stream: string) => {
        calls.push(stream);
        if (stream === 'broken' && brokenFails) {
          return Promise.reject(new Error('ERR user_script: too many results to unpack'));
        }
        return Promise.resolve({ moved: 0, nextDueMs: -1, nowMs: 0, deadLettered: 0 });
      },
    } as unknown as RedisScripts;
    const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies LoggerService;
    const promoter = new RetryPromoter(scripts, ['broken', 'healthy'], 'g', 'c1', 10, logger, (s) =>
      StreamKeys.deadLetter(s),
    );
    promoter.start();

    await jest.advanceTimersByTimeAsync(1000);
    const healthy = calls.filter((stream) => stream === 'healthy').length;
    const broken = calls.filter((stream) => stream === 'broken').length;
    // Every poll (10 ms) for the healthy stream; the broken one backs off (20, 40, 80, 160, 320 ms …).
    expect(healthy).toBeGreaterThanOrEqual(90);
    expect(broken).toBeGreaterThanOrEqual(3);
    expect(broken).toBeLessThanOrEqual(8);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/^broken: retry promotion failed/));

    brokenFails = false;
    await jest.advanceTimersByTimeAsync(1000);
    expect(logger.log).toHaveBeenCalledWith(expect.stringMatching(/^broken: retry promotion works again/));
    const before = calls.length;
    await jest.advanceTimersByTimeAsync(100);
    // Both streams every poll again.
    expect(calls.slice(before).filter((stream) => stream === 'broken').length).toBeGreaterThanOrEqual(9);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    await promoter.stop();
  });

  it('reports members it had to dead-letter, and polls again at once while a full batch was due', async () => {
    const calls: string[] = [];
    const scripts = {
      promoteRetries: (stream: string) => {
        calls.push(stream);
        return Promise.resolve(
          calls.length === 1
            ? { moved: 498, nextDueMs: 0, nowMs: 0, deadLettered: 2 }
            : { moved: 0, nextDueMs: -1, nowMs: 0, deadLettered: 0 },
        );
      },
    } as unknown as RedisScripts;
    const logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn() } satisfies LoggerService;
    const promoter = new RetryPromoter(scripts, ['s'], 'g', 'c1', 1000, logger, (s) =>
      StreamKeys.deadLetter(s),
    );
    promoter.start();
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(logger.warn).toHaveBeenCalledWith(
      's: 2 scheduled retries of group g could not be promoted; dead-lettered (unpromotable)',
    );
    await promoter.stop();
  });
});
