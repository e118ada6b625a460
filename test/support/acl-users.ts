/**
 * The least-privilege ACL users of the README ("Deployment topologies"), for streams whose names start with
 * `prefix` (the README uses `app.`). Each role gets only the commands the library sends for it (scripts' inner
 * commands included: Redis checks those against the caller too) and only its keys.
 */
export type AclRole = 'producer' | 'consumer' | 'operator' | 'janitor' | 'health';

/** The ACL rules (after `on >password`) of each role, keys scoped to streams named `<prefix>…`. */
export function aclRules(prefix: string): Record<AclRole, string> {
  const streams = `~${prefix}* ~{${prefix}*`;
  // What inspection and detailed health read (admin/stream-inspector.ts).
  const inspect =
    '+xinfo|stream +xinfo|groups +xinfo|consumers +xlen +xrange +xrevrange +xpending +zcard +time +type +exists';
  return {
    producer: `${streams} -@all +ping +xadd +evalsha +eval +get +set`,
    consumer: `${streams} ~nrs:consumer:* -@all +ping +xreadgroup +xack +xautoclaim +xclaim +xpending +xgroup|create +xgroup|createconsumer +xgroup|delconsumer +xinfo|groups +xinfo|consumers +xinfo|stream +xadd +xdel +xrange +set +get +del +pexpire +zadd +zrange +zrangebyscore +zcard +zrem +evalsha +eval +client|id +client|unblock +time +exists +type`,
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
