/**
 * The least-privilege ACL users of the README ("Deployment topologies"), for streams whose names start with
 * `prefix` (the README uses `app.`). Each role gets only the commands the library sends for it (scripts' inner
 * commands included: Redis checks those against the caller too) and only its keys.
 */
export type AclRole = 'producer' | 'consumer' | 'replier' | 'requester' | 'operator' | 'janitor' | 'health';

/** Every role, in the README's order. */
export const ACL_ROLES: readonly AclRole[] = [
  'producer',
  'consumer',
  'replier',
  'requester',
  'operator',
  'janitor',
  'health',
];

/** Every reply stream (`StreamKeys.replyStream`): where `send()` callers read their answers. */
const REPLY_STREAMS = 'nrs:reply:*';

/** The ACL rules (after `on >password`) of each role, keys scoped to streams named `<prefix>…`. */
export function aclRules(prefix: string): Record<AclRole, string> {
  const streams = `~${prefix}* ~{${prefix}*`;
  // What inspection and detailed health read (admin/stream-inspector.ts).
  const inspect =
    '+xinfo|stream +xinfo|groups +xinfo|consumers +xlen +xrange +xrevrange +xpending +zcard +time +type +exists';
  const consume =
    '-@all +ping +xreadgroup +xack +xautoclaim +xclaim +xpending +xgroup|create +xgroup|createconsumer +xgroup|delconsumer +xinfo|groups +xinfo|consumers +xinfo|stream +xadd +xdel +xrange +set +get +del +pexpire +zadd +zrange +zrangebyscore +zcard +zrem +evalsha +eval +client|id +client|unblock +time +exists +type';
  return {
    producer: `${streams} -@all +ping +xadd +evalsha +eval +get +set`,
    consumer: `${streams} ~nrs:consumer:* ${consume}`,
    // A consumer with @MessagePattern handlers: the same, plus XADD NOMKSTREAM of its answers to the callers' reply
    // streams — write only (%W): it cannot read what other servers answered.
    replier: `${streams} ~nrs:consumer:* %W~${REPLY_STREAMS} ${consume}`,
    // send(): XADD of the request (write only: it cannot read the request streams); its own reply stream is created
    // (MULTI XADD + PEXPIRE), kept (PEXPIRE), read (XREAD BLOCK), emptied (XDEL) and deleted on close (DEL).
    requester: `%W~${prefix}* ~${REPLY_STREAMS} -@all +ping +xadd +multi +exec +pexpire +xread +xdel +del`,
    operator: `${streams} -@all +ping ${inspect} +xgroup|create +xgroup|destroy +xadd +xdel +evalsha +eval +scan`,
    janitor: `${streams} -@all +ping +xinfo|stream +xinfo|groups +xpending +xrange +xtrim +evalsha +eval +time +type +exists`,
    health: `${streams} -@all +ping ${inspect}`,
  };
}

/** The `ACL SETUSER` arguments of `role` with `password`. */
export function aclSetUserArgs(role: AclRole, prefix: string, password: string): string[] {
  return [role, 'reset', 'on', `>${password}`, ...aclRules(prefix)[role].split(' ')];
}

/** The README line of `role` (password placeholder `<password>`). */
export function aclSetUserLine(role: AclRole, prefix = 'app.'): string {
  return `ACL SETUSER ${role} reset on ><password> ${aclRules(prefix)[role]}`;
}

/**
 * What every role needs on top of its rules on a Redis Cluster (ioredis 6): the slot map (`CLUSTER SLOTS`, on a
 * connection it names with `CLIENT SETNAME`), `ASKING` before a command redirected while a slot migrates, and
 * `READONLY` on its connections to replicas. ACL users are per node: set them on every node.
 */
export const CLUSTER_ACL_EXTRA = '+cluster|slots +client|setname +asking +readonly';
