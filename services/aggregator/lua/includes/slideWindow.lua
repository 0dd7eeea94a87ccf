-- `tot._b` lists, in order, the buckets of a period's window that hold data, so that sliding touches only those.
local function markBucket(tot, b)
  local list = tot._b or {}
  tot._b = list
  for i = #list, 1, -1 do
    if list[i] == b then return end
    if list[i] < b then
      table.insert(list, i + 1, b)
      return
    end
  end
  table.insert(list, 1, b)
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
  if tot._first and first > tot._first then
    local kept = {}
    for _, b in ipairs(tot._b or {}) do
      if b < first then
        local field = p .. ':' .. b
        for name, amount in pairs(load(field)) do tot[name] = (tot[name] or 0) - amount end
        drop(field)
      else
        kept[#kept + 1] = b
      end
    end
    if #kept == 0 then
      -- Nothing is left in the window: start from exact zeros rather than float remainders.
      tot = {}
    end
    tot._b = kept
    tot._first = first
    if tot._ks and tot._ks * 1000 < first * g then rescanPeak(tot, g) end
  end
  if not tot._first then tot._first = first end
  return tot
end
