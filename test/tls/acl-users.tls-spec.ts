import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, RedisOptions } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, RedisStreamsRecord, StreamKeys } from '@app/redis-streams';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { resolveClientOptions } from '@app/redis-streams/options/client-options';
import { AclRole, aclSetUserArgs, aclSetUserLine } from '../support/acl-users';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { TlsRedis } from '../support/tls-redis';
import { waitFor } from '../support/wait';

/** DESIGN §5 trap 11: least-privilege users cannot run INFO (ready check) or CLIENT SETINFO (7.0). */
const ACL_CLIENT: RedisOptions = { enableReadyCheck: false, disableClientInfo: true };
const PREFIX = 'app.';

/**
 * The whole flow (emit, consume, retry, DLQ, operator inspection, janitor, health probe) over TLS, each role as its
 * README ACL user: Redis's ACL LOG stays empty. The control: a command outside a role is refused and logged.
 */
describe('least-privilege ACL users over TLS', () => {
  let server: TlsRedis;
  let admin: Redis;
  const passwords = {} as Record<AclRole, string>;
  const opened: Redis[] = [];
  let consumer: TestConsumer | undefined;
  let client: ClientRedisStreams | undefined;

  beforeAll(async () => {
    server = await TlsRedis.start();
    admin = server.connection();
    for (const role of ['producer', 'consumer', 'operator', 'janitor', 'health'] as const) {
      passwords[role] = `pw-${randomBytes(6).toString('hex')}`;
      await admin.call('ACL', 'SETUSER', ...aclSetUserArgs(role, PREFIX, passwords[role]));
    }
    await admin.call('ACL', 'LOG', 'RESET');
  });
  afterAll(async () => {
    await consumer?.close();
    await client?.close();
    opened.forEach((connection) => connection.disconnect());
    admin?.disconnect();
    await server?.destroy();
  });

  const as = (role: AclRole): { url: string; tls: { caFile: string }; redis: RedisOptions } => ({
    url: server.url(role, passwords[role]),
    tls: server.tlsOptions(),
    redis: ACL_CLIENT,
  });
  function connectionAs(role: AclRole): Redis {
    const options = resolveClientOptions(as(role));
    const connection = new Redis(options.url, { ...options.redis, maxRetriesPerRequest: 1 });
    opened.push(connection);
    return connection;
  }
  const aclLog = async (): Promise<unknown[]> => (await admin.call('ACL', 'LOG')) as unknown[];

  it('runs emit → consume → retry → DLQ → inspect → trim → health with ACL LOG empty', async () => {
    try {
      await flow();
    } catch (error) {
      // The denial itself (user, command, key) is in ACL LOG: show it with the failure.
      throw new Error(`${(error as Error).message}\nACL LOG: ${JSON.stringify(await aclLog())}`);
    }
    expect(await aclLog()).toEqual([]);
  });

  async function flow(): Promise<void> {
    const stream = `${PREFIX}orders-${randomBytes(3).toString('hex')}`;
    const handled: string[] = [];
    consumer = await startConsumer(
      [
        eventController(stream, (data) => {
          if ((data as { poison?: boolean }).poison) {
            throw new Error('poison');
          }
          handled.push(String((data as { n: number }).n));
        }),
      ],
      {
        ...as('consumer'),
        group: 'g',
        delivery: { maxDeliveries: 2, backoff: { baseMs: 50, jitter: 'none' } },
      },
    );
    client = new ClientRedisStreams(as('producer'));
    const payloads = [...Array.from({ length: 10 }, (_, n) => ({ n })), { poison: true }, { poison: true }];
    await Promise.all(payloads.map((data) => lastValueFrom(client!.emit(stream, data))));
    // An idempotent emit (idempotent-xadd.lua: GET/SET of its marker).
    await lastValueFrom(
      client.emit(stream, new RedisStreamsRecord({ n: 10 }, { idempotencyKey: 'order-10' })),
    );
    await waitFor(() => handled.length === 11, 'all 11 handled');
    await waitFor(
      async () => (await admin.xlen(StreamKeys.deadLetter(stream))) === 2,
      'both poison dead-lettered',
    );

    const operator = new RedisStreamsAdmin(connectionAs('operator'));
    const [snapshot] = await operator.inspect([stream]);
    expect(snapshot.length).toBe(13);
    expect(await operator.listDeadLetters(stream)).toHaveLength(2);

    await waitFor(async () => ((await admin.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    const [trimmed] = await new RedisStreamsAdmin(connectionAs('janitor')).trim([stream]);
    expect(trimmed.removed).toBe(13);

    const probe = connectionAs('health');
    expect(await probe.ping()).toBe('PONG');
    const health = await new RedisStreamsAdmin(probe).health([stream]);
    expect(health).toBeDefined();
  }

  it('control: a command outside a role is refused (NOPERM) and shows in ACL LOG', async () => {
    const producer = connectionAs('producer');
    await expect(
      producer.call('XREADGROUP', 'GROUP', 'g', 'x', 'STREAMS', `${PREFIX}x`, '>'),
    ).rejects.toThrow(/NOPERM/);
    await expect(producer.call('XADD', 'other-stream', '*', 'a', 'b')).rejects.toThrow(/NOPERM/);
    expect((await aclLog()).length).toBe(2);
  });

  it('the README shows exactly these users', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const role of ['producer', 'consumer', 'operator', 'janitor', 'health'] as const) {
      expect(readme).toContain(`\n${aclSetUserLine(role)}\n`);
    }
  });
});
