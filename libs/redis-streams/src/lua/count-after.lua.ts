/**
 * count-after v2 — counts a stream's entries after an id inside Redis (no entry crosses the network just to be
 * counted). Used for a group's lag when XINFO reports nil (after XDEL or XTRIM made it unknowable).
 *
 * KEYS[1] the stream   ARGV[1] the id to count after (exclusive)
 * Returns the count.
 *
 * `no-writes`: it only reads, so it may run on a read-only replica (and at `maxmemory`); without the flag Redis
 * treats a shebang script as a writer and refuses it there.
 */
export const COUNT_AFTER_LUA = `#!lua flags=no-writes
local n = 0
local cursor = '(' .. ARGV[1]
while true do
  local batch = redis.call('XRANGE', KEYS[1], cursor, '+', 'COUNT', 1000)
  n = n + #batch
  if #batch < 1000 then
    return n
  end
  cursor = '(' .. batch[#batch][1]
end
`;
