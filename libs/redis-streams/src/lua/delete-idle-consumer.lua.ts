/**
 * delete-idle-consumer v1 — deletes a consumer of a group only if nothing is pending for it, atomically: XGROUP
 * DELCONSUMER drops the consumer's pending entries with it, which would make them unclaimable forever.
 *
 * KEYS[1] the stream (or retry lane)
 * ARGV[1] group   ARGV[2] consumer
 * Returns 1 when deleted, 0 when it has pending entries (nothing done).
 *
 * No shebang, on purpose: the sweep still frees consumers at maxmemory (DELCONSUMER frees memory).
 */
export const DELETE_IDLE_CONSUMER_LUA = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1`;
