/**
 * trim-behind-groups v2 — trims a stream with XTRIM MINID behind the slowest consumer group, atomically with
 * reading the groups' positions (a group cannot move back between the reading and the trim).
 *
 * KEYS[1] the stream
 * ARGV[1] an upper bound for the trim point ('' for none: e.g. `<now - minAge>-0` keeps entries younger than that)
 * ARGV[2] '1' for a dry run (count, do not delete)   ARGV[3] most entries to count in a dry run
 * Returns { status, trim point or '', entries removed (or that would be) }; status is 'trimmed', 'dry-run',
 * 'no-groups' (nothing is trimmed on a stream no group reads: nobody has acknowledged anything) or 'missing'.
 *
 * Per group the trim point is the smaller of its oldest pending id and the id right after its last-delivered id:
 * everything before that was delivered and acknowledged by that group. The stream's point is the smallest of all.
 *
 * `allow-oom`: trimming frees memory, so it must run when Redis is at `maxmemory` (without the flag Redis refuses
 * the whole script up front there, and the janitor could not make room). The script writes nothing but XTRIM.
 */
export const TRIM_BEHIND_GROUPS_LUA = `#!lua flags=allow-oom
if redis.call('EXISTS', KEYS[1]) == 0 then
  return { 'missing', '', 0 }
end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if not ms then
    ms = string.match(id, '^(%d+)$')
    seq = '0'
  end
  return tonumber(ms), tonumber(seq)
end
local function less(a, b)
  local ams, aseq = parse(a)
  local bms, bseq = parse(b)
  return ams < bms or (ams == bms and aseq < bseq)
end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then
  return { 'no-groups', '', 0 }
end
local point = nil
for _, group in ipairs(groups) do
  local info = {}
  for i = 1, #group, 2 do
    info[group[i]] = group[i + 1]
  end
  local ms, seq = parse(info['last-delivered-id'])
  local candidate = ms .. '-' .. (seq + 1)
  local pending = redis.call('XPENDING', KEYS[1], info['name'])
  if pending[2] and less(pending[2], candidate) then
    candidate = pending[2]
  end
  if point == nil or less(candidate, point) then
    point = candidate
  end
end
if ARGV[1] ~= '' and less(ARGV[1], point) then
  point = ARGV[1]
end
if ARGV[2] == '1' then
  local count = 0
  local cursor = '-'
  local limit = tonumber(ARGV[3])
  while count < limit do
    local batch = redis.call('XRANGE', KEYS[1], cursor, '(' .. point, 'COUNT', math.min(1000, limit - count))
    count = count + #batch
    if #batch == 0 or count >= limit then
      break
    end
    cursor = '(' .. batch[#batch][1]
  end
  return { 'dry-run', point, count }
end
return { 'trimmed', point, redis.call('XTRIM', KEYS[1], 'MINID', point) }
`;
