--[=[
  Applies one batch's counters to one entity and returns its windows, atomically with the offset it consumed.

  KEYS[1] entity meta hash   (clock, off:<source>)
  KEYS[2] entity window hash (field "<periodMs>:<bucket>:<counter>")

  ARGV[1] source           topic/partition the offsets belong to
  ARGV[2] max offset       highest offset of this entity's events in the batch
  ARGV[3] max event ms     newest event time of those events
  ARGV[4] delta (JSON)     [[periodMs, bucketSizeMs, [[bucket, attempts, answered], ...]], ...]

  Returns
    { applied (1 | 0 when the offset was already applied), clock, periodMs, attempts, answered, periodMs, ... }
    -2 when the delta cannot be decoded
]=]
local offsetField = 'off:' .. ARGV[1]
local stored = tonumber(redis.call('HGET', KEYS[1], offsetField) or '-1')
local maxOffset = tonumber(ARGV[2])
local applied = 0
local ok, periods = pcall(cjson.decode, ARGV[4])
if not ok then return -2 end

local clock = tonumber(redis.call('HGET', KEYS[1], 'clock') or '0')
if maxOffset > stored then
  applied = 1
  clock = math.max(clock, tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], offsetField, maxOffset, 'clock', clock)
  for _, period in ipairs(periods) do
    local p = period[1]
    for _, b in ipairs(period[3]) do
      redis.call('HINCRBY', KEYS[2], p .. ':' .. b[1] .. ':a', b[2])
      if b[3] > 0 then redis.call('HINCRBY', KEYS[2], p .. ':' .. b[1] .. ':n', b[3]) end
    end
  end
end

-- Sum each window and drop buckets that slid out of every window.
local fields = redis.call('HGETALL', KEYS[2])
local sums = {}
local stale = {}
for _, period in ipairs(periods) do
  sums[tostring(period[1])] = { first = math.floor(clock / period[2]) - 59, a = 0, n = 0 }
end
for i = 1, #fields, 2 do
  local p, b, c = string.match(fields[i], '^(%d+):(%-?%d+):(%a)$')
  local s = sums[p]
  if s then
    if tonumber(b) >= s.first then
      s[c] = s[c] + tonumber(fields[i + 1])
    else
      stale[#stale + 1] = fields[i]
    end
  end
end
-- In chunks: unpack of thousands of values would overflow the Lua stack.
for i = 1, #stale, 500 do redis.call('HDEL', KEYS[2], unpack(stale, i, math.min(i + 499, #stale))) end

local out = { applied, clock }
for _, period in ipairs(periods) do
  local s = sums[tostring(period[1])]
  out[#out + 1] = period[1]
  out[#out + 1] = s.a
  out[#out + 1] = s.n
end
return out
