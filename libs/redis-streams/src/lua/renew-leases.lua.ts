/**
 * renew-leases v1 — keeps long-running handlers' entries from looking abandoned: for each id still owned by this
 * consumer, XCLAIM it to itself with JUSTID (idle time reset, delivery count unchanged). Ids now owned by another
 * consumer (reclaimed while this one stalled) are left alone and counted.
 *
 * KEYS[1] stream or retry lane
 * ARGV[1] group   ARGV[2] consumer   ARGV[3..] entry ids
 * Returns the number of ids no longer owned by this consumer.
 */
export const RENEW_LEASES_LUA = `#!lua
local lost = 0
for i = 3, #ARGV do
  local row = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if row and row[2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    lost = lost + 1
  end
end
return lost
`;
