/**
 * schedule-retry v2 — moves a failed delivery into its group's retry schedule, atomically with its XACK, only
 * while the entry is still this consumer's: a consumer that stalled past `minIdleMs` and fails late must not ack
 * (and schedule again) an entry a peer has taken over and may be handling right now (XACK checks no owner).
 *
 * KEYS[1] the stream the entry was read from (source stream or the group's retry lane)
 * KEYS[2] the group's retry schedule (sorted set, score = due time in ms, Redis clock)
 * ARGV[1] group   ARGV[2] consumer   ARGV[3] entry id   ARGV[4] delay ms
 * ARGV[5] member (JSON field list of the lane entry)
 * ARGV[6] '1' when KEYS[1] is the retry lane (the entry is deleted too: no other group reads a lane)
 * Returns 1 when scheduled, 0 when the entry is not pending for this consumer (acknowledged, or another consumer's
 * now): nothing done.
 *
 * Write first, ack second; the shebang makes Redis refuse the whole script up front when out of memory, so it
 * never acks without scheduling.
 */
export const SCHEDULE_RETRY_LUA = `#!lua
local row = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if not row or row[2] ~= ARGV[2] then
  return 0
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[5])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
if ARGV[6] == '1' then
  redis.call('XDEL', KEYS[1], ARGV[3])
end
return 1
`;
