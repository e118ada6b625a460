/**
 * promote-retries v1 — moves due retries of one group from its schedule into its retry lane. One consumer of the
 * group holds the lease at a time; a crashed holder's lease expires and another consumer takes over.
 *
 * KEYS[1] retry schedule (sorted set)   KEYS[2] retry lane (stream)   KEYS[3] promoter lease
 * ARGV[1] consumer name   ARGV[2] lease ms   ARGV[3] most entries to move
 * Returns { moved, next due time in ms or -1, Redis time in ms }; moved = -1 when another consumer holds the lease.
 */
export const PROMOTE_RETRIES_LUA = `#!lua
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[1] then
  return { -1, -1, now }
end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', unpack(cjson.decode(member)))
  redis.call('ZREM', KEYS[1], member)
end
local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { #due, tonumber(nextDue[2] or -1), now }
`;
