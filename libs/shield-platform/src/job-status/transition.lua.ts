/**
 * Moves a job's status forward, atomically. Ranks: queued 1 < processing 2 < completed 3 = failed 3; a status is
 * written only when its rank is higher than the current one (or the job has no status yet), so a duplicate delivery
 * never moves `completed` back to `processing`, and a finished job never changes again.
 *
 * KEYS[1]  the job hash (`shield:job:{<jobId>}`)
 * ARGV[1]  target status
 * ARGV[2]  updatedAt (ISO-8601)
 * ARGV[3]  TTL in seconds, refreshed on every applied change
 * ARGV[4]  chunkCount, or '' to leave it unchanged
 * ARGV[5]  error, or '' to leave it unchanged
 * Returns  { 1, target } when written, { 0, current } when not.
 */
export const TRANSITION_LUA = `
local rank = { queued = 1, processing = 2, completed = 3, failed = 3 }
local target = ARGV[1]
if not rank[target] then
  return redis.error_reply('ERR unknown job status')
end
local current = redis.call('HGET', KEYS[1], 'status')
if current and rank[current] and rank[target] <= rank[current] then
  return { 0, current }
end
redis.call('HSET', KEYS[1], 'status', target, 'updatedAt', ARGV[2])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'chunkCount', ARGV[4])
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[1], 'error', ARGV[5])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return { 1, target }
`;

/** Name the script is registered under on a connection; versioned so two releases never run each other's script. */
export const TRANSITION_COMMAND = 'shieldJobTransitionV1';
