import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsHealthIndicator } from '@app/redis-streams';
import { uniqueName } from '../support/names';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { PrivateRedis } from '../support/redis-server';
import { waitFor } from '../support/wait';

describe('health: liveness and readiness', () => {
  let server: PrivateRedis | undefined;
  let consumer: TestConsumer | undefined;
  let client: ClientRedisStreams | undefined;

  afterEach(async () => {
    server?.resume();
    await consumer?.close();
    await client?.close();
    await server?.destroy();
  });

  it('readiness flips down when Redis stops answering (a paused server: sockets open, no replies) and back up; liveness stays up', async () => {
    server = await PrivateRedis.start();
    const pattern = uniqueName('health');
    const seen: number[] = [];
    consumer = await startConsumer(
      [eventController(pattern, (data) => void seen.push((data as { n: number }).n))],
      {
        url: server.url,
        group: 'g',
        blockMs: 200,
        stallMs: 600,
        redis: { connectTimeout: 1000 },
      },
    );
    const indicator = new RedisStreamsHealthIndicator([consumer.server]);
    const status = async (check: 'isLive' | 'isReady'): Promise<string> =>
      (await indicator[check]('streams')).streams.status;
    await waitFor(async () => (await status('isReady')) === 'up', 'ready');
    expect(await status('isLive')).toBe('up');

    server.pause(); // SIGSTOP: the kernel keeps the connections, nothing answers
    const pausedAt = Date.now();
    await waitFor(async () => (await status('isReady')) === 'down', 'readiness down', 5000, 20);
    expect(Date.now() - pausedAt).toBeLessThan(3000);
    expect(await status('isLive')).toBe('up');
    const down = await indicator.isReady('streams');
    expect(down.streams.servers).toEqual([expect.objectContaining({ group: 'g', ready: false, live: true })]);

    server.resume();
    await waitFor(async () => (await status('isReady')) === 'up', 'readiness back up', 15_000, 50);
    client = new ClientRedisStreams({ url: server.url });
    await lastValueFrom(client.emit(pattern, { n: 1 }));
    await waitFor(() => seen.length === 1, 'consuming again after the outage', 15_000);
    expect(await status('isLive')).toBe('up');
  });
});
