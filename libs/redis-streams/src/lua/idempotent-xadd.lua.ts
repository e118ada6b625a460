/**
 * idempotent-xadd v1 — writes an event once per idempotency key and window: a producer's retry (its own, or
 * ioredis re-sending a command whose reply was lost) finds the marker and gets the first entry's id back.
 *
 * KEYS[1] the emit marker (StreamKeys.emitMarker: same slot as the stream)
 * KEYS[2] the stream
 * ARGV[1] window ms (how long the marker lives, from the first write)
 * ARGV[2..] field, value, … of the entry
 * Returns { entry id, 0 } when written, { first entry id, 1 } when the marker exists (nothing written).
 *
 * The shebang makes Redis refuse the whole script up front when out of memory: never an entry without its marker.
 */
export const IDEMPOTENT_XADD_LUA = `#!lua
local first = redis.call('GET', KEYS[1])
if first then
  return { first, 1 }
end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
redis.call('SET', KEYS[1], id, 'PX', ARGV[1])
return { id, 0 }
`;
