import { Cluster } from 'ioredis';
import { resolveClientOptions } from '../options/client-options';
import { resolveServerOptions } from '../options/server-options';
import { assertSameSlotKeys } from './cross-slot';
import { groupBySlot, isCluster, passwordOf, slotOf } from './redis-connection';
import { clusterFromUrl, clusterSeedsFromUrl, isClusterUrl, isRedisUrl, redisFromUrl } from './redis-url';

describe('Cluster URLs', () => {
  it('name the seed nodes and the nodes’ credentials; rediss+cluster speaks TLS', () => {
    expect(isClusterUrl('redis+cluster://n1:7000')).toBe(true);
    expect(isRedisUrl('rediss+cluster://n1:7000,n2:7001')).toBe(true);
    expect(isClusterUrl('redis+sentinel://n1:26379/main')).toBe(false);
    expect(clusterSeedsFromUrl('redis+cluster://app:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002/')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      redisOptions: { username: 'app', password: 'p@ss' },
    });
    expect(clusterSeedsFromUrl('rediss+cluster://:s3cret@n1:7000').redisOptions).toEqual({
      password: 's3cret',
      tls: {},
    });
  });

  it('are refused with a reason (never the password) when they cannot be read', () => {
    expect(() => clusterSeedsFromUrl('redis+cluster://:secret@n1:7000/2')).toThrow(/database 0 only/);
    expect(() => clusterSeedsFromUrl('redis+cluster://:secret@n1:7000/2')).not.toThrow(/secret/);
    expect(() => clusterSeedsFromUrl('redis+cluster://n1:0,n2:7000')).toThrow(/seed node 1 is not host:port/);
    expect(() => clusterSeedsFromUrl('redis+cluster://n1:7000,:7001')).toThrow(/seed node 2/);
  });

  it('split one node’s options into the Cluster’s and each node’s; retryStrategy reconnects the Cluster', () => {
    const retry = (): number => 5;
    const cluster = clusterFromUrl(
      'redis+cluster://:pw@127.0.0.1:7000',
      {
        lazyConnect: true,
        enableAutoPipelining: true,
        maxRetriesPerRequest: null,
        connectTimeout: 5,
        retryStrategy: retry,
      },
      {
        natMap: { '10.0.0.1:7000': { host: '127.0.0.1', port: 7000 } },
        redisOptions: { connectionName: 'x' },
      },
    );
    try {
      expect(isCluster(cluster)).toBe(true);
      expect(cluster).toBeInstanceOf(Cluster);
      expect(cluster.options.lazyConnect).toBe(true);
      expect(cluster.options.enableAutoPipelining).toBe(true);
      expect(cluster.options.clusterRetryStrategy).toBe(retry);
      expect(cluster.options.scaleReads).toBe('master');
      expect(cluster.options.natMap).toBeDefined();
      expect(cluster.options.redisOptions).toMatchObject({
        password: 'pw',
        maxRetriesPerRequest: null,
        connectTimeout: 5,
        connectionName: 'x',
      });
      expect(cluster.options.redisOptions).not.toHaveProperty('lazyConnect');
      expect(cluster.options.redisOptions).not.toHaveProperty('enableAutoPipelining');
      expect(passwordOf(cluster)).toBe('pw');
    } finally {
      cluster.disconnect();
    }
  });

  it('turn the ready check off for the Cluster and each node alike (least-privilege users cannot run INFO)', () => {
    const cluster = clusterFromUrl('redis+cluster://127.0.0.1:7000', {
      lazyConnect: true,
      enableReadyCheck: false,
      disableClientInfo: true,
    });
    expect(cluster.options.enableReadyCheck).toBe(false);
    expect(cluster.options.redisOptions).toMatchObject({ enableReadyCheck: false, disableClientInfo: true });
    cluster.disconnect();
  });

  it('give a Cluster from redisFromUrl, a single node otherwise', () => {
    const cluster = redisFromUrl('redis+cluster://127.0.0.1:7000', { lazyConnect: true });
    const node = redisFromUrl('redis://127.0.0.1:6379', { lazyConnect: true });
    expect(isCluster(cluster)).toBe(true);
    expect(isCluster(node)).toBe(false);
    cluster.disconnect();
    node.disconnect();
  });

  it('take cluster options only with a cluster URL', () => {
    expect(() => resolveServerOptions({ group: 'g', url: 'redis://h:6379', cluster: {} })).toThrow(
      /cluster options are set but url is not redis\+cluster/,
    );
    expect(
      resolveClientOptions({ url: 'redis+cluster://h:7000', cluster: { slotsRefreshInterval: 1000 } })
        .cluster,
    ).toEqual({ slotsRefreshInterval: 1000 });
    expect(() => resolveClientOptions({ url: 'redis+cluster://h:7000', tls: { servername: 'x' } })).toThrow(
      /rediss\+cluster/,
    );
  });
});

describe('cluster slots', () => {
  it('hash by the hash tag, like Redis (CLUSTER KEYSLOT)', () => {
    // Values as redis-cli CLUSTER KEYSLOT gives them.
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('{user1000}.following')).toBe(slotOf('user1000'));
    expect(slotOf('{orders}:dlq')).toBe(slotOf('orders'));
  });

  it('group keys by slot, keeping a stream with its retry lane', () => {
    const groups = groupBySlot(['a', '{a}:retry:g', 'b', '{b}:retry:g', 'a2']);
    expect(groups).toContainEqual(['a', '{a}:retry:g']);
    expect(groups).toContainEqual(['b', '{b}:retry:g']);
    expect(groups.flat().sort()).toEqual(['a', 'a2', 'b', '{a}:retry:g', '{b}:retry:g'].sort());
  });

  it('refuse a named dead-letter stream outside its stream’s slot, naming the keys', () => {
    expect(() =>
      assertSameSlotKeys([
        { stream: 'shield:ingestion_queue', deadLetterStream: 'shield:ingestion_queue:dead_letter' },
      ]),
    ).toThrow(
      /"shield:ingestion_queue" \(slot \d+\), "shield:ingestion_queue:dead_letter" \(slot \d+\), "shield:ingestion_queue:dead_letter:log" \(slot \d+\).*"\{shield:ingestion_queue\}:dead_letter"/,
    );
    expect(() =>
      assertSameSlotKeys([
        { stream: 'shield:ingestion_queue', deadLetterStream: '{shield:ingestion_queue}:dead_letter' },
        { stream: '{shop}:orders', deadLetterStream: '{shop}:orders:dead' },
        { stream: 'plain' },
      ]),
    ).not.toThrow();
  });
});
