import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { TestConsumer } from './nest';

/** What a test file that emits, consumes and cleans up gets from {@link useStreamFixture}. */
export interface StreamFixture {
  /** A command connection to the test Redis. */
  redis: Redis;
  client: ClientRedisStreams;
  /** Consumers started by the current test: closed after it. */
  consumers: TestConsumer[];
  /** Extra keys to delete after the current test. */
  keys: string[];
  /** Deletes `stream` and every key derived from it for `groups` (DLQ and its log, retry lanes) after the test. */
  track(stream: string, groups: string | string[]): void;
  /** `client.emit` as a promise of the entry id. */
  emit(pattern: string, data: unknown): Promise<string>;
}

/**
 * One client and one connection per test file; after each test its consumers are closed and its tracked keys
 * deleted, after the file both connections are closed. Call it inside `describe`.
 */
export function useStreamFixture(): StreamFixture {
  const fixture: StreamFixture = {
    redis: new Redis(process.env.REDIS_URL as string),
    client: new ClientRedisStreams(),
    consumers: [],
    keys: [],
    track(stream, groups) {
      fixture.keys.push(stream, StreamKeys.deadLetter(stream), StreamKeys.deadLetterLog(stream));
      for (const group of typeof groups === 'string' ? [groups] : groups) {
        fixture.keys.push(
          StreamKeys.retryLane(stream, group),
          StreamKeys.retrySchedule(stream, group),
          StreamKeys.promoterLease(stream, group),
        );
      }
    },
    emit: (pattern, data) => lastValueFrom(fixture.client.emit<string>(pattern, data)),
  };
  afterEach(async () => {
    await Promise.all(fixture.consumers.map((consumer) => consumer.close()));
    if (fixture.keys.length > 0) {
      await fixture.redis.del(...fixture.keys);
    }
    fixture.consumers.length = 0;
    fixture.keys.length = 0;
  });
  afterAll(async () => {
    await fixture.client.close();
    fixture.redis.disconnect();
  });
  return fixture;
}
