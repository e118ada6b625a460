/**
 * dead-letter v2 — copies an entry to the dead-letter stream with its failure envelope, atomically with its XACK,
 * only while the entry is still this consumer's: a consumer that stalled past `minIdleMs` and fails late must not
 * ack (and dead-letter) an entry a peer has taken over and may be handling right now (XACK checks no owner).
 *
 * KEYS[1] the stream the entry was read from (source stream or retry lane)
 * KEYS[2] the dead-letter stream
 * ARGV[1] group   ARGV[2] consumer   ARGV[3] entry id   ARGV[4] '1' when KEYS[1] is a retry lane (delete it too)
 * ARGV[5..] field, value, … of the dead-letter entry (at most 7900 values: Lua unpacks about 8000 at most)
 * Returns the dead-letter entry id, or 0 when the entry is not pending for this consumer (nothing written).
 *
 * Write first, ack second; the shebang makes Redis refuse the whole script up front when out of memory, so it
 * never acks without its record.
 */
export const DEAD_LETTER_LUA = `#!lua
if #ARGV - 4 > 7900 then
  return redis.error_reply('ERR dead-letter record of ' .. (#ARGV - 4) .. ' values, more than 7900')
end
local row = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)[1]
if not row or row[2] ~= ARGV[2] then
  return 0
end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 5))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] == '1' then
  redis.call('XDEL', KEYS[1], ARGV[3])
end
return id
`;
