-- `tot._m` marks which buckets of a period's window hold data, so that sliding touches only those: one character per
-- bucket from the window's first (`_first`), "1" for data, trailing "0"s left out. One short string encodes and
-- decodes far faster than a list of up to 60 bucket numbers.
local function markBucket(tot, b)
  local i = b - tot._first + 1
  local mask = tot._m or ''
  if i > #mask then
    tot._m = mask .. string.rep('0', i - 1 - #mask) .. '1'
  elseif mask:sub(i, i) ~= '1' then
    tot._m = mask:sub(1, i - 1) .. '1' .. mask:sub(i + 1)
  end
end

-- The oldest bucket of a period's window that holds data, or nil.
local function oldestBucket(tot)
  local i = (tot._m or ''):find('1', 1, true)
  return i and tot._first + i - 1 or nil
end

-- The window's peak of calls started in one second (`k`, at second `_ks`): a maximum, not a sum. When the second
-- that held it leaves the window, it is found again among the seconds left (KEYS[4], starts per second).
local function rescanPeak(tot, g)
  local from, to = tot._first * g, (tot._first + 60) * g
  tot.k, tot._ks = nil, nil
  local all = redis.call('HGETALL', KEYS[4])
  for i = 1, #all, 2 do
    local sec, count = tonumber(all[i]), tonumber(all[i + 1])
    if sec * 1000 >= from and sec * 1000 < to and (count > (tot.k or 0) or (count == tot.k and sec > tot._ks)) then
      tot.k, tot._ks = count, sec
    end
  end
end

-- Moves one period's window so that it starts at bucket `first`: buckets that leave it are subtracted from the
-- running total and deleted.
local function slideWindow(p, g, tot, first)
  if tot._b then
    -- Written by an older version as a list of buckets: as a mask from the window's first bucket.
    local list = tot._b
    tot._b = nil
    for _, b in ipairs(list) do markBucket(tot, b) end
  end
  if tot._first and first > tot._first then
    local mask = tot._m or ''
    local leaving = math.min(first - tot._first, #mask)
    for i = 1, leaving do
      if mask:sub(i, i) == '1' then
        local field = p .. ':' .. (tot._first + i - 1)
        for name, amount in pairs(load(field)) do tot[name] = (tot[name] or 0) - amount end
        drop(field)
      end
    end
    mask = mask:sub(first - tot._first + 1)
    if not mask:find('1', 1, true) then
      -- Nothing is left in the window: start from exact zeros rather than float remainders.
      tot = {}
      mask = ''
    end
    tot._m = mask
    tot._first = first
    if tot._ks and tot._ks * 1000 < first * g then rescanPeak(tot, g) end
  end
  if not tot._first then tot._first = first end
  return tot
end

-- Deletes one period's window: its buckets with data, then its running total.
local function dropWindow(p)
  local tot = load(p .. ':tot')
  local mask = tot._m or ''
  for i = 1, #mask do
    if mask:sub(i, i) == '1' then drop(p .. ':' .. (tot._first + i - 1)) end
  end
  for _, b in ipairs(tot._b or {}) do drop(p .. ':' .. b) end
  drop(p .. ':tot')
end
