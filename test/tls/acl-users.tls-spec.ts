import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Redis, RedisOptions } from 'ioredis';
import { Observable, firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { ClientRedisStreams, RedisStreamsRecord, StreamKeys } from '@app/redis-streams';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { resolveClientOptions } from '@app/redis-streams/options/client-options';
import { ACL_ROLES, AclRole, aclSetUserArgs, aclSetUserLine } from '../support/acl-users';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { TlsRedis } from '../support/tls-redis';
import { waitFor } from '../support/wait';

/** DESIGN §5 trap 11: least-privilege users cannot run INFO (ready check) or CLIENT SETINFO (7.0). */
const ACL_CLIENT: RedisOptions = { enableReadyCheck: false, disableClientInfo: true };
const PREFIX = 'app.';

/**
 * The whole flow (emit, consume, retry, DLQ, operator inspection, janitor, health probe) and request-reply (send →
 * @MessagePattern → reply) over TLS, each role as its README ACL user: Redis's ACL LOG stays empty. The controls: a
 * command or key outside a role is refused and logged.
 */
describe('least-privilege ACL users over TLS', () => {
  let server: TlsRedis;
  let admin: Redis;
  const passwords = {} as Record<AclRole, string>;
  const opened: Redis[] = [];
  let consumer: TestConsumer | undefined;
  let client: ClientRedisStreams | undefined;
  let replier: TestConsumer | undefined;
  let requester: ClientRedisStreams | undefined;

  beforeAll(async () => {
    server = await TlsRedis.start();
    admin = server.connection();
    for (const role of ACL_ROLES) {
      passwords[role] = `pw-${randomBytes(6).toString('hex')}`;
      await admin.call('ACL', 'SETUSER', ...aclSetUserArgs(role, PREFIX, passwords[role]));
    }
    await admin.call('ACL', 'LOG', 'RESET');
  });
  afterAll(async () => {
    await consumer?.close();
    await client?.close();
    await requester?.close();
    await replier?.close();
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

  it('runs send → @MessagePattern → reply as requester and replier, with ACL LOG empty', async () => {
    try {
      await requestReply();
    } catch (error) {
      throw new Error(`${(error as Error).message}\nACL LOG: ${JSON.stringify(await aclLog())}`);
    }
    expect(await aclLog()).toEqual([]);
  });

  async function requestReply(): Promise<void> {
    const stream = `${PREFIX}rpc-${randomBytes(3).toString('hex')}`;
    const routes = [{ stream, patterns: [`${stream}.*`] }];

    @Controller()
    class MathController {
      @MessagePattern(`${stream}.sum`)
      sum(@Payload() numbers: number[]): number {
        return numbers.reduce((a, b) => a + b, 0);
      }

      @MessagePattern(`${stream}.count`)
      count(@Payload() upTo: number): Observable<number> {
        return of(...Array.from({ length: upTo }, (_, i) => i + 1));
      }
    }

    replier = await startConsumer([MathController], { ...as('replier'), group: 'rpc', routes });
    // The shortest TTL: the stream's expiry is pushed back (PEXPIRE) every ~333 ms while the test runs.
    requester = new ClientRedisStreams({
      ...as('requester'),
      routes,
      requestTimeoutMs: 10_000,
      replyStreamTtlMs: 1000,
    });
    await expect(firstValueFrom(requester.send(`${stream}.sum`, [1, 2, 39]))).resolves.toBe(42);
    await expect(lastValueFrom(requester.send(`${stream}.count`, 3).pipe(toArray()))).resolves.toEqual([
      1, 2, 3,
    ]);

    const inbox = requester.replyStream;
    // The replies read were deleted (XDEL as requester): only the opening entry is left.
    await waitFor(async () => (await admin.xlen(inbox)) === 1, 'the read replies to be deleted');
    // Kept alive (PEXPIRE as requester): its TTL goes back up.
    let lastTtl = await admin.pttl(inbox);
    await waitFor(async () => {
      const ttl = await admin.pttl(inbox);
      const refreshed = ttl > lastTtl;
      lastTtl = ttl;
      return refreshed;
    }, 'the reply stream TTL to be refreshed');

    await requester.close(); // DEL of its reply stream, as requester
    requester = undefined;
    expect(await admin.exists(inbox)).toBe(0);
    await waitFor(async () => ((await admin.xpending(stream, 'rpc')) as [number])[0] === 0, 'requests acked');
    await admin.del(stream);
  }

  it('control: a requester cannot read the request streams, a replier cannot read reply streams', async () => {
    await admin.call('ACL', 'LOG', 'RESET');
    const stream = `${PREFIX}rpc-read`;
    const inbox = StreamKeys.replyStream('someone-else');
    await admin.xadd(stream, '*', 'a', 'b');
    await admin.xadd(inbox, '*', 'a', 'b');
    const asRequester = connectionAs('requester');
    await expect(asRequester.call('XREAD', 'STREAMS', stream, '0')).rejects.toThrow(/NOPERM/);
    await expect(asRequester.call('XRANGE', stream, '-', '+')).rejects.toThrow(/NOPERM/);
    // The replier writes answers only: XRANGE (which it has for its own streams) is refused on a reply stream.
    await expect(connectionAs('replier').call('XRANGE', inbox, '-', '+')).rejects.toThrow(/NOPERM/);
    expect((await aclLog()).length).toBe(3);
    await admin.del(stream, inbox);
    await admin.call('ACL', 'LOG', 'RESET');
  });

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
    for (const role of ACL_ROLES) {
      expect(readme).toContain(`\n${aclSetUserLine(role)}\n`);
    }
  });
});
