-- Moves one period's window so that it starts at bucket `first`: buckets that leave it are subtracted from the
-- running total and deleted. `k` (peak starts per second) is a maximum, not a sum: when the bucket that held the
-- peak leaves, the peak is found again among the buckets left. `_old` is the oldest bucket holding data, from
-- which the time of the window's next change follows.
local function slideWindow(p, tot, first)
  local from = tot._first
  if from and first > from then
    local lostPeak = false
    for b = from, math.min(first - 1, from + 59) do
      local field = p .. ':' .. b
      if redis.call('HEXISTS', KEYS[2], field) == 1 then
        for name, amount in pairs(load(field)) do
          if name == 'k' then
            if amount >= (tot.k or 0) then lostPeak = true end
          else
            tot[name] = (tot[name] or 0) - amount
          end
        end
        drop(field)
      end
    end
    tot._first = first
    if tot._old and tot._old < first then
      tot._old = nil
      for b = first, first + 59 do
        if redis.call('HEXISTS', KEYS[2], p .. ':' .. b) == 1 then
          tot._old = b
          break
        end
      end
    end
    if not tot._old then
      -- Nothing is left in the window: start from exact zeros rather than float remainders.
      tot = { _first = first }
    elseif lostPeak then
      tot.k = nil
      for b = tot._old, first + 59 do
        local k = load(p .. ':' .. b).k
        if k and k > (tot.k or 0) then tot.k = k end
      end
    end
  end
  if not tot._first then tot._first = first end
  return tot
end
