/**
 * reclaim-idle v1 — one page of XAUTOCLAIM (plain, so the delivery count grows) with each claimed entry's delivery
 * count read in the same step: the counts are exact, never looked up later by a range that could miss some.
 *
 * KEYS[1] stream or retry lane
 * ARGV[1] group   ARGV[2] consumer   ARGV[3] min idle ms   ARGV[4] cursor   ARGV[5] COUNT
 * Returns { next cursor, { { id, fields, deliveries }, … }, { ids deleted from the stream while pending } }.
 */
export const RECLAIM_IDLE_LUA = `#!lua
local reply = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local claimed = {}
for _, entry in ipairs(reply[2]) do
  local row = redis.call('XPENDING', KEYS[1], ARGV[1], entry[1], entry[1], 1)[1]
  claimed[#claimed + 1] = { entry[1], entry[2], row and row[4] or 0 }
end
return { reply[1], claimed, reply[3] or {} }
`;
