/**
 * promote-retries v2 — moves due retries of one group from its schedule into its retry lane. One consumer of the
 * group holds the lease at a time; a crashed holder's lease expires and another consumer takes over.
 *
 * A member that cannot be moved (not JSON, not a list of name/value strings, more values than Lua can unpack, or
 * refused by XADD) never stops the others: it goes to the stream's dead-letter stream as a record with reason
 * `unpromotable` and a copy of the member cut to ARGV[6] bytes, and leaves the schedule. Each member is moved (or
 * dead-lettered) and removed on its own, so an error after some members leaves each of them whole either way
 * (Redis keeps a script's earlier writes when it fails).
 *
 * KEYS[1] retry schedule (sorted set)   KEYS[2] retry lane (stream)   KEYS[3] promoter lease
 * KEYS[4] the stream's dead-letter stream
 * ARGV[1] consumer name   ARGV[2] lease ms   ARGV[3] most entries to move   ARGV[4] source stream   ARGV[5] group
 * ARGV[6] most bytes of a bad member copied   ARGV[7] now (ISO-8601, for the record's failure times)
 * Returns { moved, next due time in ms or -1, Redis time in ms, dead-lettered }; moved = -1 when another consumer
 * holds the lease.
 */
export const PROMOTE_RETRIES_LUA = `#!lua
local MAX_VALUES = 7900
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= ARGV[1] then
  return { -1, -1, now, 0 }
end
local laneType = redis.call('TYPE', KEYS[2])['ok']
if laneType ~= 'stream' and laneType ~= 'none' then
  -- Not a bad member: every member would fail. Refuse, so nothing is dead-lettered for it.
  return redis.error_reply('WRONGTYPE retry lane ' .. KEYS[2] .. ' is a ' .. laneType .. ', not a stream')
end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2])

local function fieldsOf(member)
  local ok, fields = pcall(cjson.decode, member)
  if not ok then
    return nil, nil, 'not JSON'
  end
  if type(fields) ~= 'table' or #fields == 0 or #fields % 2 == 1 then
    return nil, nil, 'not a list of name/value pairs'
  end
  for i = 1, #fields do
    if type(fields[i]) ~= 'string' then
      return nil, fields, 'value ' .. i .. ' is not a string'
    end
  end
  if #fields > MAX_VALUES then
    return nil, fields, #fields .. ' values, more than ' .. MAX_VALUES
  end
  return fields
end

local function copyOf(member)
  local max = tonumber(ARGV[6])
  if #member <= max then
    return member, false
  end
  -- Cut on a character boundary: never before a UTF-8 continuation byte.
  local cut = max
  while cut > 0 do
    local b = string.byte(member, cut + 1)
    if b < 128 or b >= 192 then
      break
    end
    cut = cut - 1
  end
  return string.sub(member, 1, cut), true
end

local function deadLetter(member, list, why)
  local meta = {}
  if list then
    for i = 1, #list - 1, 2 do
      local name = list[i]
      local value = list[i + 1]
      if type(name) == 'string' and type(value) == 'string'
          and (name == 'type' or string.sub(name, 1, 6) == 'retry_') then
        meta[name] = value
      end
    end
  end
  local copy, cut = copyOf(member)
  local record = {
    'dlq_member', copy,
    'dlq_stream', ARGV[4], 'dlq_group', ARGV[5], 'dlq_consumer', ARGV[1],
    'dlq_pattern', meta['type'] or '', 'dlq_original_id', meta['retry_original_id'] or '',
    'dlq_attempts', meta['retry_deliveries'] or '', 'dlq_reason', 'unpromotable',
    'dlq_error_class', 'UnpromotableRetry', 'dlq_error_message', 'retry not promotable: ' .. why,
    'dlq_error_stack', '', 'dlq_first_failure', meta['retry_first_failure'] or ARGV[7],
    'dlq_last_failure', ARGV[7],
  }
  if cut then
    record[#record + 1] = 'dlq_truncated'
    record[#record + 1] = 'true'
  end
  redis.call('XADD', KEYS[4], '*', unpack(record))
end

local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local moved = 0
local rejected = 0
for _, member in ipairs(due) do
  local fields, list, why = fieldsOf(member)
  if fields then
    local ok, err = pcall(redis.call, 'XADD', KEYS[2], '*', unpack(fields))
    if ok then
      moved = moved + 1
    else
      list = fields
      why = 'XADD refused: ' .. (type(err) == 'table' and tostring(err['err']) or tostring(err))
    end
  end
  if why then
    deadLetter(member, list, why)
    rejected = rejected + 1
  end
  redis.call('ZREM', KEYS[1], member)
end
local nextDue = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { moved, tonumber(nextDue[2] or -1), now, rejected }
`;
