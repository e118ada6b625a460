/**
 * redrive-dead-letter v2 — moves one dead-letter record back into the retry lane of the group it failed in (that
 * group only: no other group reads the lane), with a fresh delivery budget, and records the redrive. Atomic: the
 * record is never both redriven and kept, nor deleted without its lane entry and log entry.
 *
 * KEYS[1] dead-letter stream   KEYS[2] the group's retry lane   KEYS[3] the dead-letter log (stream)
 * ARGV[1] dead-letter entry id   ARGV[2] the group KEYS[2] belongs to   ARGV[3] who asked (free text)
 * Returns { 1, lane entry id } when redriven, { 0, why } otherwise: 'gone' (no such record), 'other-group' (the
 * record belongs to another group than ARGV[2]), 'truncated' (its payload was cut when dead-lettered),
 * 'unpromotable' (a retry-schedule member that could not be moved: it holds no original fields), 'too-large' (more
 * fields than one XADD from Lua can carry: such a record was not written by this library).
 */
export const REDRIVE_DEAD_LETTER_LUA = `#!lua
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then
  return { 0, 'gone' }
end
local fields = found[1][2]
if #fields > 7900 then
  return { 0, 'too-large' }
end
local original = {}
local meta = {}
for i = 1, #fields, 2 do
  local name = fields[i]
  if string.sub(name, 1, 4) == 'dlq_' then
    meta[name] = fields[i + 1]
  else
    original[#original + 1] = name
    original[#original + 1] = fields[i + 1]
  end
end
if meta['dlq_group'] ~= ARGV[2] then
  return { 0, 'other-group' }
end
if meta['dlq_truncated'] == 'true' then
  return { 0, 'truncated' }
end
if meta['dlq_reason'] == 'unpromotable' then
  return { 0, 'unpromotable' }
end
local originalId = meta['dlq_original_id'] or ARGV[1]
original[#original + 1] = 'retry_original_id'
original[#original + 1] = originalId
original[#original + 1] = 'retry_deliveries'
original[#original + 1] = '0'
original[#original + 1] = 'retry_first_failure'
original[#original + 1] = meta['dlq_first_failure'] or ''
original[#original + 1] = 'retry_redriven_from'
original[#original + 1] = ARGV[1]
local laneId = redis.call('XADD', KEYS[2], '*', unpack(original))
redis.call('XADD', KEYS[3], '*', 'action', 'redrive', 'dlq_id', ARGV[1], 'lane_id', laneId,
  'stream', meta['dlq_stream'] or '', 'group', ARGV[2], 'original_id', originalId,
  'reason', meta['dlq_reason'] or '', 'attempts', meta['dlq_attempts'] or '', 'by', ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[1])
return { 1, laneId }
`;
