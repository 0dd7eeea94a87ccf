--[=[
  Applies one batch's counters to one entity, atomically with the offset it consumed, and returns its windows.

  KEYS[1] entity meta hash    clock, late, off:<source>
  KEYS[2] entity window hash  "<periodMs>:<bucket>" -> JSON counters of one bucket (names: services/aggregator/src/counters.ts)
                              "<periodMs>:tot"      -> JSON running sums of the window's buckets, plus "_first",
                                                       the oldest bucket in the window
  KEYS[3] entity id zset      counted event ids scored by event time (drops duplicates sent later)

  ARGV[1] source        topic/partition the offset belongs to
  ARGV[2] max offset    highest offset of this entity's events in the batch
  ARGV[3] max event ms  newest event time counted (0 when none)
  ARGV[4] late          events of the batch left out as late
  ARGV[5] delta (JSON)  [[periodMs, bucketSizeMs, [[bucket, {counter: amount, ...}], ...]], ...]
  ARGV[6] ids (JSON)    [[eventId, eventMs], ...]
  ARGV[7] id retention  ms behind the clock after which ids are forgotten (the longest window plus lateness)

  The window total is kept up to date instead of re-summed: buckets that slide out of the window are
  subtracted and deleted, so a call costs the buckets it touches, not the 60 of every window.

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

local function load(field)
  local raw = redis.call('HGET', KEYS[2], field)
  if raw then return cjson.decode(raw) end
  return {}
end

-- Moves a period's window so that it ends with the clock's bucket, subtracting what slides out.
local function slide(p, tot, first)
  local from = tot._first
  if from and first > from then
    if first - from >= 60 then
      -- The whole window slid out: nothing of it is left to subtract from.
      for b = from, from + 59 do redis.call('HDEL', KEYS[2], p .. ':' .. b) end
      tot = {}
    else
      for b = from, first - 1 do
        local raw = redis.call('HGET', KEYS[2], p .. ':' .. b)
        if raw then
          for name, amount in pairs(cjson.decode(raw)) do tot[name] = (tot[name] or 0) - amount end
          redis.call('HDEL', KEYS[2], p .. ':' .. b)
        end
      end
    end
  end
  if not tot._first or first > tot._first then tot._first = first end
  return tot
end

local applied = 0
local totals = {}
local clock = tonumber(redis.call('HGET', KEYS[1], 'clock') or '0')
if maxOffset > stored then
  applied = 1
  clock = math.max(clock, tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], offsetField, maxOffset, 'clock', clock)
  if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[1], 'late', ARGV[4]) end
  for _, period in ipairs(periods) do
    local p = period[1]
    local first = math.floor(clock / period[2]) - 59
    local tot = slide(p, load(p .. ':tot'), first)
    for _, bucket in ipairs(period[3]) do
      -- A bucket older than the window (allowed lateness can exceed a short period) never re-enters it.
      if bucket[1] >= tot._first then
        local field = p .. ':' .. bucket[1]
        local counters = load(field)
        for name, amount in pairs(bucket[2]) do
          counters[name] = (counters[name] or 0) + amount
          tot[name] = (tot[name] or 0) + amount
        end
        redis.call('HSET', KEYS[2], field, cjson.encode(counters))
      end
    end
    redis.call('HSET', KEYS[2], p .. ':tot', cjson.encode(tot))
    totals[p] = tot
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

-- Numbers go back as strings: Redis would truncate a Lua float reply to an integer.
local out = { applied, clock, tonumber(redis.call('HGET', KEYS[1], 'late') or '0') }
for _, period in ipairs(periods) do
  local entry = { period[1] }
  -- A redelivered batch changed nothing, so only then are the totals read back.
  for name, sum in pairs(totals[period[1]] or load(period[1] .. ':tot')) do
    if name ~= '_first' then
      entry[#entry + 1] = name
      entry[#entry + 1] = string.format('%.17g', sum)
    end
  end
  out[#out + 1] = entry
end
return out
