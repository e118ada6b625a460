/**
 * schedule-retry v1 — moves a failed delivery into its group's retry schedule, atomically with its XACK.
 *
 * KEYS[1] the stream the entry was read from (source stream or the group's retry lane)
 * KEYS[2] the group's retry schedule (sorted set, score = due time in ms, Redis clock)
 * ARGV[1] group   ARGV[2] entry id   ARGV[3] delay ms   ARGV[4] member (JSON field list of the lane entry)
 * ARGV[5] '1' when KEYS[1] is the retry lane (the entry is deleted too: no other group reads a lane)
 * Returns 1 when scheduled, 0 when the entry was no longer pending (another consumer acknowledged it: nothing done).
 *
 * The shebang makes Redis refuse the whole script up front when out of memory, so it never acks without scheduling.
 */
export const SCHEDULE_RETRY_LUA = `#!lua
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  redis.call('ZREM', KEYS[2], ARGV[4])
  return 0
end
if ARGV[5] == '1' then
  redis.call('XDEL', KEYS[1], ARGV[2])
end
return 1
`;
