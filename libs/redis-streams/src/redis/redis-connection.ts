import calculateSlot from 'cluster-key-slot';
import type { Cluster, Redis, RedisOptions } from 'ioredis';

/**
 * A connection to Redis: one node or a Sentinel-managed primary (`Redis`), or a Redis Cluster (`Cluster`, which holds
 * one connection per node and routes each command to the node serving its key's slot).
 */
export type RedisConnection = Redis | Cluster;

/** True when `connection` is a Redis Cluster connection. */
export function isCluster(connection: RedisConnection): connection is Cluster {
  return (connection as Cluster).isCluster === true;
}

/** The cluster hash slot of `key` (its hash tag's, when it has one). */
export function slotOf(key: string): number {
  return calculateSlot(key);
}

/**
 * The connection that carries the commands for `key`: `connection` itself on one node; on a Cluster, its connection to
 * the primary serving the key's slot now (the one a keyed command goes through), or undefined while the slot map does
 * not name one (before the first connect, during a failover).
 */
export function connectionFor(connection: RedisConnection, key: string): Redis | undefined {
  if (!isCluster(connection)) {
    return connection;
  }
  const nodeKey = connection.slots[slotOf(key)]?.[0];
  return nodeKey === undefined
    ? undefined
    : connection.nodes('master').find((node) => `${node.options.host}:${node.options.port}` === nodeKey);
}

/** The password a connection authenticates with (to keep it out of messages), if any. */
export function passwordOf(connection: RedisConnection): string | undefined {
  return isCluster(connection) ? connection.options.redisOptions?.password : connection.options.password;
}

/** Groups `keys` by cluster slot, in first-seen order: one multi-key command may only name keys of one slot. */
export function groupBySlot(keys: readonly string[]): string[][] {
  const bySlot = new Map<number, string[]>();
  for (const key of keys) {
    const slot = slotOf(key);
    const group = bySlot.get(slot);
    if (group) {
      group.push(key);
    } else {
      bySlot.set(slot, [key]);
    }
  }
  return [...bySlot.values()];
}

/**
 * A new connection like `connection` (same nodes, same options) with `overrides` applied; on a Cluster they apply to
 * each node's connection (`lazyConnect` to the Cluster itself).
 */
export function duplicateConnection(connection: RedisConnection, overrides: RedisOptions): RedisConnection {
  if (!isCluster(connection)) {
    return connection.duplicate(overrides);
  }
  const { lazyConnect, ...perNode } = overrides;
  return connection.duplicate(undefined, {
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    redisOptions: { ...connection.options.redisOptions, ...perNode },
  });
}
