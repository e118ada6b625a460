/**
 * renew-leases v2 — keeps entries this consumer holds from looking abandoned: for each id still owned by this
 * consumer, XCLAIM it to itself with JUSTID (idle time reset, delivery count unchanged). Ids owned by another consumer
 * (reclaimed while this one stalled), deleted from the stream, or no longer pending are left alone and reported.
 *
 * KEYS[1] stream or retry lane
 * ARGV[1] group   ARGV[2] consumer   ARGV[3..] entry ids
 * Returns one code per id, in order: 0 renewed, 1 another consumer owns it, 2 deleted from the stream (Redis 7 then
 * drops it from the PEL), 3 not pending any more (acknowledged).
 */
export const RENEW_LEASES_LUA = `#!lua
local codes = {}
for i = 3, #ARGV do
  local row = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if not row then
    codes[#codes + 1] = 3
  elseif row[2] ~= ARGV[2] then
    codes[#codes + 1] = 1
  elseif #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID') == 0 then
    codes[#codes + 1] = 2
  else
    codes[#codes + 1] = 0
  end
end
return codes
`;
