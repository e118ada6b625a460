/**
 * The Lua steps of an `event_id` marker: a hash `{ state, fp, token | id, stream }` that makes HTTP publishes
 * idempotent. Each step is one script, so a claim, a commit or a release is atomic.
 */

/**
 * Claims the marker if nobody has: writes `state=pending` with the caller's token and fingerprint, expiring after
 * the pending lease (so a process that dies before it writes the entry does not block the event_id for long).
 *
 * KEYS[1] the marker; ARGV[1] token; ARGV[2] fingerprint; ARGV[3] pending lease (ms); ARGV[4] event_id (kept for
 * operators reading the key)
 * Returns { 'claimed' }, or the existing marker: { state, fp, id, stream } (`id`/`stream` are '' while pending).
 */
export const CLAIM_MARKER_LUA = `
local state = redis.call('HGET', KEYS[1], 'state')
if state then
  local fields = redis.call('HMGET', KEYS[1], 'fp', 'id', 'stream')
  return { state, fields[1] or '', fields[2] or '', fields[3] or '' }
end
redis.call('HSET', KEYS[1], 'state', 'pending', 'token', ARGV[1], 'fp', ARGV[2], 'event_id', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { 'claimed' }
`;

/**
 * Records the written entry in the marker the caller still holds (same token): `state=done`, the entry id and
 * stream, expiring after the idempotency window.
 *
 * KEYS[1] the marker; ARGV[1] token; ARGV[2] entry id; ARGV[3] stream; ARGV[4] window (ms)
 * Returns 1, or 0 when the marker is no longer the caller's (its pending lease lapsed).
 */
export const COMMIT_MARKER_LUA = `
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'state', 'done', 'id', ARGV[2], 'stream', ARGV[3])
redis.call('HDEL', KEYS[1], 'token')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/**
 * Deletes the marker if the caller still holds it (nothing was written: the event_id may be used again).
 *
 * KEYS[1] the marker; ARGV[1] token
 * Returns 1 when deleted, else 0.
 */
export const RELEASE_MARKER_LUA = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
