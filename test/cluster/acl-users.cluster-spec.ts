import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, RedisOptions } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { ClientRedisStreams, StreamKeys } from '@app/redis-streams';
import { RedisStreamsAdmin } from '@app/redis-streams/admin';
import { redisFromUrl } from '@app/redis-streams/redis/redis-url';
import { slotOf } from '@app/redis-streams/redis/redis-connection';
import { AclRole, CLUSTER_ACL_EXTRA, aclSetUserArgs } from '../support/acl-users';
import { TestConsumer, eventController, startConsumer } from '../support/nest';
import { PrivateCluster } from '../support/redis-cluster';
import { waitFor } from '../support/wait';

/** DESIGN §5 trap 11: least-privilege users cannot run INFO (ready check) or CLIENT SETINFO (7.0). */
const ACL_CLIENT: RedisOptions = { enableReadyCheck: false, disableClientInfo: true };
const PREFIX = 'app.';
const ROLES: AclRole[] = ['producer', 'consumer', 'operator', 'janitor'];

/**
 * The README's least-privilege users on a Redis Cluster (their role lines plus `+cluster|slots +asking`, set on every
 * node): emit, consume, retry, dead-letter, inspect, discover and trim, with the stream's slot moved to another primary
 * while events flow (ASK redirections) — ACL LOG empty on every node afterwards; control: without the Cluster extras
 * a consumer cannot even start.
 */
describe('least-privilege ACL users on Redis Cluster', () => {
  let cluster: PrivateCluster;
  const passwords = {} as Record<AclRole, string>;
  let consumer: TestConsumer | undefined;
  let client: ClientRedisStreams | undefined;
  const opened: Cluster[] = [];

  const url = (role: AclRole): string =>
    cluster.url().replace('redis+cluster://', `redis+cluster://${role}:${passwords[role]}@`);
  const as = (role: AclRole): { url: string; redis: RedisOptions } => ({ url: url(role), redis: ACL_CLIENT });
  const aclLogs = async (): Promise<string[]> => {
    const entries: string[] = [];
    for (const port of cluster.ports) {
      for (const entry of (await cluster.call(port, 'ACL', 'LOG')) as unknown[]) {
        entries.push(`${port}: ${JSON.stringify(entry)}`);
      }
    }
    return entries;
  };
  async function setUsers(extra: string): Promise<void> {
    for (const port of cluster.ports) {
      for (const role of ROLES) {
        const args = aclSetUserArgs(role, PREFIX, passwords[role]);
        await cluster.call(port, 'ACL', 'SETUSER', ...args, ...(extra ? extra.split(' ') : []));
      }
      await cluster.call(port, 'ACL', 'LOG', 'RESET');
    }
  }

  beforeAll(async () => {
    cluster = await PrivateCluster.start();
    for (const role of ROLES) {
      passwords[role] = `pw-${randomBytes(6).toString('hex')}`;
    }
  });
  afterEach(async () => {
    await consumer?.app.close();
    consumer = undefined;
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    opened.forEach((connection) => connection.disconnect());
    await cluster?.destroy();
  });

  it('runs emit → consume → retry → DLQ → inspect → discover → trim through a slot migration, ACL LOG empty', async () => {
    await setUsers(CLUSTER_ACL_EXTRA);
    const stream = `${PREFIX}orders-${randomBytes(3).toString('hex')}`;
    const handled = new Set<number>();
    const thrown = new Set<number>();
    consumer = await startConsumer(
      [
        eventController(stream, (data) => {
          const { n, poison } = data as { n: number; poison?: boolean };
          if (poison) {
            throw new Error('poison');
          }
          if (n % 7 === 0 && !thrown.has(n)) {
            thrown.add(n);
            throw new Error('fails once');
          }
          handled.add(n);
        }),
      ],
      {
        ...as('consumer'),
        group: 'g',
        delivery: { maxDeliveries: 2, backoff: { baseMs: 50, jitter: 'none' } },
      },
    );
    client = new ClientRedisStreams(as('producer'));
    const from = await cluster.primaryPortOf(stream);
    const to = cluster.primaryPorts.find((port) => port !== from) as number;
    let migration: Promise<unknown> | undefined;
    for (let n = 0; n < 300; n += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => lastValueFrom(client!.emit(stream, { n: n + i }))),
      );
      if (n === 100) {
        migration = cluster.migrateSlot(slotOf(stream), to, { batch: 1 });
      }
    }
    await lastValueFrom(client.emit(stream, { n: -1, poison: true }));
    await migration;
    const checks = cluster.connection();
    opened.push(checks);
    await waitFor(() => handled.size === 300, 'all 300 handled', 30_000);
    await waitFor(
      async () => (await checks.xlen(StreamKeys.deadLetter(stream))) === 1,
      'the poison dead-lettered',
    );
    await waitFor(async () => ((await checks.xpending(stream, 'g')) as [number])[0] === 0, 'nothing pending');
    expect(await cluster.primaryPortOf(stream)).toBe(to);

    const operatorConnection = redisFromUrl(url('operator'), ACL_CLIENT) as Cluster;
    opened.push(operatorConnection);
    const operator = new RedisStreamsAdmin(operatorConnection);
    const [snapshot] = await operator.inspect([stream]);
    expect(snapshot.length).toBe(301);
    expect(await operator.listDeadLetters(stream)).toHaveLength(1);
    expect(await operator.streams()).toContain(stream);
    const janitorConnection = redisFromUrl(url('janitor'), ACL_CLIENT) as Cluster;
    opened.push(janitorConnection);
    const [trimmed] = await new RedisStreamsAdmin(janitorConnection).trim([stream]);
    expect(trimmed.removed).toBe(301);
    expect(await aclLogs()).toEqual([]);
  });

  it('the README names exactly these additions', () => {
    expect(readFileSync(join(__dirname, '../../README.md'), 'utf8')).toContain(
      `\`${CLUSTER_ACL_EXTRA}\` added`,
    );
  });

  it('control: without +cluster|slots a consumer cannot start, and ACL LOG shows why', async () => {
    await setUsers('');
    const stream = `${PREFIX}control-${randomBytes(3).toString('hex')}`;
    await expect(
      startConsumer([eventController(stream, () => undefined)], {
        ...as('consumer'),
        group: 'g',
        redis: { ...ACL_CLIENT, maxRetriesPerRequest: 1 },
        cluster: { clusterRetryStrategy: () => null },
      }),
    ).rejects.toThrow();
    expect((await aclLogs()).join('\n')).toMatch(/cluster\|slots|"cluster"/);
  });
});
