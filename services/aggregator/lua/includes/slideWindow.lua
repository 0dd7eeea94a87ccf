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

-- Moves one period's window so that it starts at bucket `first`: buckets that leave it are subtracted from the
-- running total and deleted. A bucket's peak of starts per second (`<p>:<b>:k`, a plain integer: it changes with
-- every start) is a maximum, not a sum: when the bucket that held the window's peak `k` leaves, the peak is found
-- again among the buckets left.
local function slideWindow(p, tot, first)
  if tot._first and first > tot._first then
    local kept, lostPeak = {}, false
    for _, b in ipairs(tot._b or {}) do
      if b < first then
        local field = p .. ':' .. b
        for name, amount in pairs(load(field)) do tot[name] = (tot[name] or 0) - amount end
        drop(field)
        local peak = redis.call('HGET', KEYS[2], field .. ':k')
        if peak then
          if tonumber(peak) >= (tot.k or 0) then lostPeak = true end
          redis.call('HDEL', KEYS[2], field .. ':k')
        end
      else
        kept[#kept + 1] = b
      end
    end
    if #kept == 0 then
      -- Nothing is left in the window: start from exact zeros rather than float remainders.
      tot = {}
    elseif lostPeak then
      tot.k = nil
      for _, b in ipairs(kept) do
        local k = tonumber(redis.call('HGET', KEYS[2], p .. ':' .. b .. ':k') or '0')
        if k > (tot.k or 0) then tot.k = k end
      end
    end
    tot._b = kept
  end
  if not tot._first or first > tot._first then tot._first = first end
  return tot
end
