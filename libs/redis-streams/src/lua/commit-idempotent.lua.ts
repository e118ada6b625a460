/**
 * commit-idempotent v1 — ends a successful delivery of an idempotent handler: records the handler's "done" marker,
 * applies the effects the handler queued and acknowledges the entry, all in one step. If the marker exists (another
 * delivery of the same event committed first: a redelivery after a stall, or a producer duplicate handled
 * concurrently), the entry is only acknowledged and the effects are discarded.
 *
 * KEYS[1] the key the entry was read from (source stream or the group's retry lane)
 * KEYS[2] the handled marker (StreamKeys.handledMarker: same slot as the stream)
 * ARGV[1] group   ARGV[2] entry id (in KEYS[1])   ARGV[3] marker TTL ms   ARGV[4] marker value (the original id)
 * ARGV[5] '1' when KEYS[1] is the retry lane (the entry is deleted too: no other group reads a lane)
 * ARGV[6] number of effect commands, then per command: its argument count n, then n values (name, arguments …)
 * Returns { 1, acked } when committed, { 0, acked } when the marker existed (acked: what XACK returned, 0 or 1),
 * { 2, n, message } when effect n was refused: the effects before it stay applied (Redis does not roll scripts
 * back), nothing else is written and the entry stays pending.
 *
 * Effects before the marker and the ack, so a refused effect leaves no marker. The shebang makes Redis refuse the
 * whole script up front when out of memory.
 */
export const COMMIT_IDEMPOTENT_LUA = `#!lua
local function acknowledge()
  local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  if ARGV[5] == '1' then
    redis.call('XDEL', KEYS[1], ARGV[2])
  end
  return acked
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return { 0, acknowledge() }
end
local at = 7
for n = 1, tonumber(ARGV[6]) do
  local count = tonumber(ARGV[at])
  local reply = redis.pcall(unpack(ARGV, at + 1, at + count))
  if type(reply) == 'table' and reply.err then
    return { 2, n, reply.err }
  end
  at = at + count + 1
end
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
return { 1, acknowledge() }
`;
