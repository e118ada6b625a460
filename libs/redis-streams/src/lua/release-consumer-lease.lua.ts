/**
 * release-consumer-lease v1 — deletes a consumer-name lease (`StreamKeys.consumerLease`) only while this process
 * holds it: a process that lost its name must not free it for a third one while the taker still runs.
 *
 * KEYS[1] the consumer lease
 * ARGV[1] this process's token
 * Returns 1 when deleted, 0 when the lease is another process's or gone.
 *
 * No shebang, on purpose: a shutdown at maxmemory still gives the name back (DEL frees memory).
 */
export const RELEASE_CONSUMER_LEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
