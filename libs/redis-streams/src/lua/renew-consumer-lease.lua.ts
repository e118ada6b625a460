/**
 * renew-consumer-lease v1 — extends a consumer-name lease (`StreamKeys.consumerLease`) only while this process
 * holds it: a process that stalled past its lease must not extend one another process took meanwhile.
 *
 * KEYS[1] the consumer lease
 * ARGV[1] this process's token   ARGV[2] lease ms
 * Returns 1 when extended, 0 when the lease is another process's or gone.
 *
 * No shebang, on purpose: without flags Redis refuses a shebang script up front at maxmemory, and a lease that
 * cannot be renewed under memory pressure would cost the process its consumer name. PEXPIRE needs no memory.
 */
export const RENEW_CONSUMER_LEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
