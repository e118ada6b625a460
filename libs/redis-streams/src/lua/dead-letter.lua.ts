/**
 * dead-letter v1 — copies an entry to the dead-letter stream with its failure envelope, atomically with its XACK.
 *
 * KEYS[1] the stream the entry was read from (source stream or retry lane)
 * KEYS[2] the dead-letter stream
 * ARGV[1] group   ARGV[2] entry id   ARGV[3] '1' when KEYS[1] is a retry lane (delete the entry too)
 * ARGV[4..] field, value, … of the dead-letter entry
 * Returns the dead-letter entry id, or 0 when the entry was no longer pending (nothing written).
 */
export const DEAD_LETTER_LUA = `#!lua
local fields = {}
for i = 4, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
local id = redis.call('XADD', KEYS[2], '*', unpack(fields))
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  redis.call('XDEL', KEYS[2], id)
  return 0
end
if ARGV[3] == '1' then
  redis.call('XDEL', KEYS[1], ARGV[2])
end
return id
`;
