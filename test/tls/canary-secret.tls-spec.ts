import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { Redis, RedisOptions } from 'ioredis';
import { Registry } from 'prom-client';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, ServerRedisStreams, StreamKeys } from '@app/redis-streams';
import { RedisStreamsMetrics } from '@app/redis-streams/metrics';
import { aclSetUserArgs } from '../support/acl-users';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { TlsRedis } from '../support/tls-redis';
import { waitFor } from '../support/wait';

const ACL_CLIENT: RedisOptions = { enableReadyCheck: false, disableClientInfo: true };
const PREFIX = 'app.';

/**
 * A canary password never shows in logs, errors, health output or metrics: across an auth failure, NOPERM, OOM, a
 * handler error and a DLQ move, everything printed or returned is captured and searched for it.
 */
describe('canary secret', () => {
  const canary = `canary-${randomBytes(8).toString('hex')}`;
  const wrongCanary = `canary-${randomBytes(8).toString('hex')}`;
  let server: TlsRedis;
  let admin: Redis;
  let consumer: TestConsumer | undefined;
  const clients: ClientRedisStreams[] = [];
  const captured: string[] = [];
  const writes = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const logsBefore = process.env.TEST_LOGS;

  beforeAll(async () => {
    server = await TlsRedis.start();
    admin = server.connection();
    await admin.call('ACL', 'SETUSER', ...aclSetUserArgs('producer', PREFIX, canary));
    await admin.call('ACL', 'SETUSER', ...aclSetUserArgs('consumer', PREFIX, canary));
    process.env.TEST_LOGS = '1'; // startConsumer: the Nest logger on, so its lines are captured
    const capture = (chunk: string | Uint8Array): boolean => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    };
    process.stdout.write = capture;
    process.stderr.write = capture;
  });
  afterAll(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.env.TEST_LOGS = logsBefore;
    await consumer?.close();
    await Promise.all(clients.map((client) => client.close()));
    await admin?.config('SET', 'maxmemory', '0');
    admin?.disconnect();
    await server?.destroy();
  });

  const options = (
    user: string,
    password: string,
  ): { url: string; tls: { caFile: string }; redis: RedisOptions } => ({
    url: server.url(user, password),
    tls: server.tlsOptions(),
    redis: { ...ACL_CLIENT, maxRetriesPerRequest: 1 },
  });
  const client = (password: string): ClientRedisStreams => {
    const made = new ClientRedisStreams(options('producer', password));
    clients.push(made);
    return made;
  };
  /** Everything an error shows: message, stack, cause chain and own properties. */
  const record = (error: unknown): void => {
    captured.push(inspect(error, { depth: 10, showHidden: true }), String(error));
  };

  it('never shows the password, through auth failure, NOPERM, OOM, handler error and DLQ move', async () => {
    const stream = `${PREFIX}canary-${randomBytes(3).toString('hex')}`;
    const registry = new Registry();
    const metrics = new RedisStreamsMetrics({ registry });

    // Auth failure: a client and a server with the wrong password.
    await lastValueFrom(client(wrongCanary).emit(stream, { n: 0 })).then(
      () => fail('emit must fail'),
      record,
    );
    const badServer = new ServerRedisStreams({ ...options('consumer', wrongCanary), group: 'g' });
    // listen() reports a failed start through its callback: record what it says.
    const started = await new Promise<unknown>((resolve) => {
      void badServer.listen((error?: unknown) => resolve(error ?? 'started'));
    });
    expect(started).not.toBe('started');
    record(started);
    await badServer.close();

    // Handler error and DLQ move, as the consumer user with the canary password.
    consumer = await startConsumer(
      [
        eventController(stream, () => {
          throw new Error('handler failed');
        }),
      ],
      { ...options('consumer', canary), group: 'g', delivery: { maxDeliveries: 1 } },
    );
    const producer = client(canary);
    metrics.observeServer(consumer.server).observeClient(producer);
    await lastValueFrom(producer.emit(stream, { n: 1 }));
    const dlq = StreamKeys.deadLetter(stream);
    await waitFor(async () => (await admin.xlen(dlq)) === 1, 'dead-lettered');

    // NOPERM: a stream outside the producer's keys.
    await lastValueFrom(producer.emit('other.stream', { n: 2 })).then(() => fail('emit must fail'), record);
    // OOM: noeviction with no memory left.
    await admin.config('SET', 'maxmemory', '1');
    await lastValueFrom(producer.emit(stream, { n: 3 })).then(() => fail('emit must fail'), record);
    await admin.config('SET', 'maxmemory', '0');

    captured.push(JSON.stringify(consumer.server.health()), JSON.stringify(consumer.server.getStats()));
    captured.push(await registry.metrics());
    captured.push(JSON.stringify(await admin.xrange(dlq, '-', '+')));

    const text = captured.join('\n');
    // The failures did surface (the capture saw them), and the secret is nowhere.
    expect(text).toMatch(/WRONGPASS/);
    expect(text).toMatch(/NOPERM/);
    expect(text).toMatch(/OOM/);
    expect(text).toMatch(/handler failed/);
    expect(text).toContain(stream);
    expect(text).not.toContain(canary);
    expect(text).not.toContain(wrongCanary);
  });
});
