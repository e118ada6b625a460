/**
 * claim-own-pending v1 — re-delivers entries still in this consumer's PEL (after a reconnect or a restart), each only
 * if this consumer still owns it when the script runs: an entry acknowledged meanwhile, or taken by another consumer,
 * is left alone. Each claimed entry's delivery count grows by one and is returned, so it is never guessed.
 *
 * KEYS[1] stream or retry lane
 * ARGV[1] group   ARGV[2] consumer   ARGV[3..] entry ids (from XPENDING … consumer)
 * Returns { { id, fields, deliveries }, … }, { ids deleted from the stream while pending (now out of the PEL) } }.
 */
export const CLAIM_OWN_PENDING_LUA = `#!lua
local claimed = {}
local deleted = {}
for i = 3, #ARGV do
  local row = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if row and row[2] == ARGV[2] then
    local entry = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i])[1]
    if entry then
      claimed[#claimed + 1] = { entry[1], entry[2], row[4] + 1 }
    else
      deleted[#deleted + 1] = ARGV[i]
    end
  end
end
return { claimed, deleted }
`;
