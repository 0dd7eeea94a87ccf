--[=[
  Applies what one batch of one source partition brings to one entity, atomically with the offset it consumed,
  and returns the entity's metrics. Also slides an entity's windows when only time passed (a tick: empty source).

  KEYS[1] meta hash     epoch, clock (newest event), wclock (window clock: clock or a later tick), late,
                        off:<source>, starts (1 once call-start events arrive), expired, cps_from (KEYS[4]
                        holds no second before it),
                        bal_base, bal_at, bal_sum (balance = bal_base + bal_sum of movements after bal_at),
                        bal_limit (the debit limit of the snapshot at bal_at; absent: it has none),
                        bal_from (KEYS[6] holds no second before it; 1e15: it holds none),
                        periods (the sample periods of KEYS[2], comma-separated: those of the last call), bal_old and bal_old_to (the sum of the
                        movements after bal_at that left KEYS[6], all at or before second bal_old_to),
                        ver (the version of the state: grows with every change, and is at least wclock × 1000, so
                        that it grows across a rebuild after a Redis loss too)
  KEYS[2] window hash   "<periodMs>:<bucket>" JSON counters of a bucket (names: CounterName in libs/windows/src/counters.ts)
                        "<periodMs>:tot" JSON running sums of the window, plus _first (its oldest bucket),
                        _m (which of its buckets hold data), k and _ks (the most calls started in one
                        second of the window, and that second)
  KEYS[3] id zset       counted event ids scored by event time: cdr ids, "pay:<id>", "call:<id>"
  KEYS[4] cps hash      call starts per second ("<epoch second>" -> count), of the longest window
  KEYS[5] open zset     calls started (call-start events) and not yet ended, scored by start time
  KEYS[6] balance hash  money movements per second after bal_at ("<epoch second>" -> amount), of the last ARGV[8] ms

  ARGV[1] source        topic/partition the offset belongs to; empty for a tick
  ARGV[2] max offset    highest offset of this entity's events in the batch
  ARGV[3] epoch         the aggregators' epoch (they sort by creation time): state of an older epoch predates a
                        Redis loss and is dropped; a caller of an older epoch than the state is refused
  ARGV[4] delta (JSON)  { e: newest event ms, l: late, p: [[periodMs, bucketMs, [[bucket, {counter: n}]]]],
                          i: [ms, id, ms, id, …], s: [[second, starts]], c: [[callId, startSecond, endMs]] (CDRs of
                          entities with call-start events), o: [[callId, startMs]] (call starts),
                          m: [[second, amount]] (money movements), a: [balance, atMs, debit limit or null]
                          (account snapshot) }
  ARGV[5] id retention  ms behind the clock after which ids are forgotten (the longest window plus lateness)
  ARGV[6] max call ms   an open call older than this is expired (its end never came)
  ARGV[7] tick ms       the partition's clock for a tick, else 0
  ARGV[8] account lateness  ms behind the clock an account snapshot may be and still get the exact balance: older
                        movements are kept as one sum (bal_old), which a snapshot older than them counts as after it

  Returns
    { applied (1, or 0 when this offset was already applied), window clock, late, channels (-1: no call starts),
      balance ("" while no account snapshot), due (when the windows next change as time passes; 0 never),
      version, debit limit ("" without one), periodMs, JSON totals of its window, ... }
    -2 when the delta cannot be decoded
    -3 when the caller's epoch is older than the entity's (nothing changed)
]=]
local okDelta, d = pcall(cjson.decode, ARGV[4])
if not okDelta then return -2 end
local source, epoch = ARGV[1], ARGV[3]
local offsetField = 'off:' .. source

--- @include "windowCache"
--- @include "slideWindow"
--- @include "forgetSeconds"

local m = redis.call('HMGET', KEYS[1], 'epoch', 'clock', 'wclock', offsetField, 'cps_from', 'bal_from', 'periods', 'ver')
if m[1] and m[1] > epoch then
  -- The caller began before the aggregators noticed a Redis loss; its partition is being replayed.
  return -3
end
if m[1] and m[1] < epoch then
  -- Written before Redis was lost and rebuilt by replay: the replay brings it back, so start afresh.
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  m = { false, false, false, false, false, false, false, false }
end
local clock = tonumber(m[2] or '0')
local wclock = math.max(clock, tonumber(m[3] or '0'), tonumber(ARGV[7]))
local applied = 0
local version = tonumber(m[8] or '0')
local totals = {}
local longest = 0
for _, period in ipairs(d.p) do longest = math.max(longest, period[1]) end
-- Seconds older than the longest window cannot raise any window's peak again: none is counted, and those counted
-- before are forgotten as the window clock passes them.
local cpsFrom = 0

-- Counts `n` call starts in second `sec`: the second's count, and the peak of each window bucket holding it.
local function countStart(sec, n)
  if sec < cpsFrom then return end
  local count = redis.call('HINCRBY', KEYS[4], sec, n)
  for _, t in ipairs(totals) do
    local b = math.floor(sec * 1000 / t[2])
    if b >= t[3]._first and b <= t[3]._first + 59 then
      if count > (t[3].k or 0) or (count == t[3].k and sec > t[3]._ks) then t[3].k, t[3]._ks = count, sec end
      markBucket(t[3], b)
    end
  end
end

if source == '' or tonumber(ARGV[2]) > tonumber(m[4] or '-1') then
  applied = 1
  clock = math.max(clock, d.e or 0)
  wclock = math.max(wclock, clock)
  cpsFrom = math.floor((wclock - longest) / 1000)
  -- Money movements before this second are kept as one sum.
  local movedFrom = math.floor((clock - tonumber(ARGV[8])) / 1000)
  -- Snapshots of the entity's sides are published concurrently: the version tells which one is the newest.
  version = math.max(version + 1, wclock * 1000)
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'clock', clock, 'wclock', wclock, 'cps_from', cpsFrom, 'ver', string.format('%.17g', version))
  if source ~= '' then redis.call('HSET', KEYS[1], offsetField, ARGV[2]) end
  if (d.l or 0) > 0 then redis.call('HINCRBY', KEYS[1], 'late', d.l) end

  -- A period no longer asked for (no rule uses it any more) leaves with its buckets.
  local periods = {}
  for _, period in ipairs(d.p) do periods[#periods + 1] = period[1] end
  periods = table.concat(periods, ',')
  if m[7] ~= periods then
    for p in string.gmatch(m[7] or '', '[^,]+') do
      if not string.find(',' .. periods .. ',', ',' .. p .. ',', 1, true) then dropWindow(p) end
    end
    redis.call('HSET', KEYS[1], 'periods', periods)
  end

  for _, period in ipairs(d.p) do
    local p, g = period[1], period[2]
    local tot = slideWindow(p, g, load(p .. ':tot'), math.floor(wclock / g) - 59)
    for _, bucket in ipairs(period[3] or {}) do
      local b = bucket[1]
      -- A bucket older than the window (allowed lateness can exceed a short period) never re-enters it.
      if b >= tot._first then
        local field = p .. ':' .. b
        local counters = load(field)
        for name, amount in pairs(bucket[2]) do
          counters[name] = (counters[name] or 0) + amount
          tot[name] = (tot[name] or 0) + amount
        end
        touch(field)
        markBucket(tot, b)
      end
    end
    totals[#totals + 1] = { p, g, tot }
  end

  for _, s in ipairs(d.s or {}) do countStart(s[1], s[2]) end
  if d.o then
    redis.call('HSET', KEYS[1], 'starts', 1)
    for _, o in ipairs(d.o) do
      local id = 'call:' .. o[1]
      -- A call already started, or already ended by its CDR (the CDR can overtake its call-start event), is not new.
      if not redis.call('ZSCORE', KEYS[3], id) then
        redis.call('ZADD', KEYS[3], o[2], id)
        redis.call('ZADD', KEYS[5], o[2], o[1])
        countStart(math.floor(o[2] / 1000), 1)
      end
    end
  end
  for _, c in ipairs(d.c or {}) do
    if redis.call('ZREM', KEYS[5], c[1]) == 0 then
      -- No call-start event for this call (yet): its CDR's start counts, and a late call start is ignored.
      local id = 'call:' .. c[1]
      if not redis.call('ZSCORE', KEYS[3], id) then
        redis.call('ZADD', KEYS[3], c[3], id)
        countStart(c[2], 1)
      end
    end
  end
  if redis.call('HEXISTS', KEYS[1], 'starts') == 1 then
    local limit = clock - tonumber(ARGV[6])
    local expired = redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. limit)
    if expired > 0 then redis.call('HINCRBY', KEYS[1], 'expired', expired) end
  end

  -- Forget the seconds the window clock passed since the last call.
  forgetSeconds(KEYS[4], tonumber(m[5] or '-1'), cpsFrom, false)

  local bal = redis.call('HMGET', KEYS[1], 'bal_at', 'bal_old', 'bal_old_to')
  local baseAt, old, oldTo = tonumber(bal[1] or '-1'), tonumber(bal[2] or '0'), tonumber(bal[3] or '-1')
  if d.a and d.a[2] > baseAt then
    -- A newer account snapshot includes every movement up to its second; keep only the later ones.
    baseAt = d.a[2]
    local baseSec = math.floor(baseAt / 1000)
    local all = redis.call('HGETALL', KEYS[6])
    local sum, gone = 0, {}
    for i = 1, #all, 2 do
      if tonumber(all[i]) <= baseSec then gone[#gone + 1] = all[i] else sum = sum + tonumber(all[i + 1]) end
    end
    for i = 1, #gone, 500 do redis.call('HDEL', KEYS[6], unpack(gone, i, math.min(i + 499, #gone))) end
    if oldTo <= baseSec then
      old, oldTo = 0, -1
      redis.call('HDEL', KEYS[1], 'bal_old', 'bal_old_to')
    else
      -- A snapshot later than the account lateness: the movements kept as one sum count as after it.
      sum = sum + old
    end
    redis.call('HSET', KEYS[1], 'bal_base', string.format('%.17g', d.a[1]), 'bal_at', baseAt, 'bal_sum', string.format('%.17g', sum))
    -- The limit follows the newest snapshot, as the balance does; cjson decodes a JSON null as a userdata.
    if type(d.a[3]) == 'number' then
      redis.call('HSET', KEYS[1], 'bal_limit', string.format('%.17g', d.a[3]))
    else
      redis.call('HDEL', KEYS[1], 'bal_limit')
    end
  end
  local baseSec = baseAt >= 0 and math.floor(baseAt / 1000) or -1
  -- Movements older than the account lateness join the one sum: those the clock passed, and late ones.
  local folded, keptFrom = forgetSeconds(KEYS[6], tonumber(m[6] or '-1'), movedFrom, true)
  if d.m then
    local moved = 0
    for _, mv in ipairs(d.m) do
      if mv[1] > baseSec then
        if mv[1] < movedFrom then
          folded = folded + mv[2]
        else
          redis.call('HINCRBYFLOAT', KEYS[6], mv[1], mv[2])
          keptFrom = math.min(keptFrom, mv[1])
        end
        moved = moved + mv[2]
      end
    end
    if moved ~= 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'bal_sum', moved) end
  end
  if keptFrom ~= tonumber(m[6] or '-1') then redis.call('HSET', KEYS[1], 'bal_from', keptFrom) end
  if folded ~= 0 then
    redis.call('HSET', KEYS[1], 'bal_old', string.format('%.17g', old + folded), 'bal_old_to', math.max(oldTo, movedFrom - 1))
  end

  -- Score-member pairs as ZADD takes them, 250 at a time.
  local ids = d.i or {}
  for i = 1, #ids, 500 do redis.call('ZADD', KEYS[3], unpack(ids, i, math.min(i + 499, #ids))) end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (clock - tonumber(ARGV[5])))

  for _, t in ipairs(totals) do
    cache[t[1] .. ':tot'] = t[3]
    touch(t[1] .. ':tot')
  end
  flush()
else
  for _, period in ipairs(d.p) do totals[#totals + 1] = { period[1], period[2], load(period[1] .. ':tot') } end
end

local info = redis.call('HMGET', KEYS[1], 'late', 'starts', 'bal_at', 'bal_base', 'bal_sum', 'bal_limit')
local channels = -1
if info[2] then channels = redis.call('ZCARD', KEYS[5]) end
local balance = ''
if info[3] then balance = string.format('%.17g', tonumber(info[4]) + tonumber(info[5] or '0')) end
local due = 0
for _, t in ipairs(totals) do
  local oldest = oldestBucket(t[3])
  if oldest then
    local change = (oldest + 60) * t[2]
    if due == 0 or change < due then due = change end
  end
end

-- Numbers go back as strings: Redis would truncate a Lua float reply to an integer. Totals go back as the JSON
-- they are stored as (encoded once more only when the call changed nothing).
local out = { applied, wclock, tonumber(info[1] or '0'), channels, balance, string.format('%.17g', due), string.format('%.17g', version), info[6] or '' }
for _, t in ipairs(totals) do
  out[#out + 1] = t[1]
  out[#out + 1] = encoded[t[1] .. ':tot'] or cjson.encode(t[3])
end
return out
