--[=[
  Applies one batch's counters to one entity, atomically with the offset it consumed, and returns its windows.

  KEYS[1] entity meta hash    clock, late, off:<source>
  KEYS[2] entity window hash  field "<periodMs>:<bucket>:<counter>" (counter names: services/aggregator/src/counters.ts)
  KEYS[3] entity id zset      counted event ids scored by event time (drops duplicates sent later)

  ARGV[1] source        topic/partition the offset belongs to
  ARGV[2] max offset    highest offset of this entity's events in the batch
  ARGV[3] max event ms  newest event time counted (0 when none)
  ARGV[4] late          events of the batch left out as late
  ARGV[5] delta (JSON)  [[periodMs, bucketSizeMs, [[bucket, {counter: amount, ...}], ...]], ...]
  ARGV[6] ids (JSON)    [[eventId, eventMs], ...]
  ARGV[7] id retention  ms behind the clock after which ids are forgotten (the longest window plus lateness)

  Returns
    { applied (1, or 0 when this offset was already applied), clock, late, {periodMs, counter, sum, ...}, ... }
    -2 when a JSON argument cannot be decoded
]=]
local offsetField = 'off:' .. ARGV[1]
local stored = tonumber(redis.call('HGET', KEYS[1], offsetField) or '-1')
local maxOffset = tonumber(ARGV[2])
local okDelta, periods = pcall(cjson.decode, ARGV[5])
local okIds, ids = pcall(cjson.decode, ARGV[6])
if not okDelta or not okIds then return -2 end

local applied = 0
local clock = tonumber(redis.call('HGET', KEYS[1], 'clock') or '0')
if maxOffset > stored then
  applied = 1
  clock = math.max(clock, tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], offsetField, maxOffset, 'clock', clock)
  if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[1], 'late', ARGV[4]) end
  for _, period in ipairs(periods) do
    local p = period[1]
    for _, bucket in ipairs(period[3]) do
      local prefix = p .. ':' .. bucket[1] .. ':'
      for name, amount in pairs(bucket[2]) do
        if name == 's' or name == 'm' then
          redis.call('HINCRBYFLOAT', KEYS[2], prefix .. name, amount)
        else
          redis.call('HINCRBY', KEYS[2], prefix .. name, amount)
        end
      end
    end
  end
  for i = 1, #ids, 250 do
    local args = {}
    for j = i, math.min(i + 249, #ids) do
      args[#args + 1] = ids[j][2]
      args[#args + 1] = ids[j][1]
    end
    redis.call('ZADD', KEYS[3], unpack(args))
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (clock - tonumber(ARGV[7])))
end

-- Sum each window and drop buckets that slid out of it.
local fields = redis.call('HGETALL', KEYS[2])
local windows = {}
local stale = {}
for _, period in ipairs(periods) do
  windows[tostring(period[1])] = { first = math.floor(clock / period[2]) - 59, sums = {} }
end
for i = 1, #fields, 2 do
  local p, b, name = string.match(fields[i], '^(%d+):(%-?%d+):(%w+)$')
  local w = windows[p]
  if w then
    if tonumber(b) >= w.first then
      w.sums[name] = (w.sums[name] or 0) + tonumber(fields[i + 1])
    else
      stale[#stale + 1] = fields[i]
    end
  end
end
-- In chunks: unpack of thousands of values would overflow the Lua stack.
for i = 1, #stale, 500 do redis.call('HDEL', KEYS[2], unpack(stale, i, math.min(i + 499, #stale))) end

-- Numbers go back as strings: Redis would truncate a Lua float reply to an integer.
local out = { applied, clock, tonumber(redis.call('HGET', KEYS[1], 'late') or '0') }
for _, period in ipairs(periods) do
  local entry = { period[1] }
  for name, sum in pairs(windows[tostring(period[1])].sums) do
    entry[#entry + 1] = name
    entry[#entry + 1] = tostring(sum)
  end
  out[#out + 1] = entry
end
return out
