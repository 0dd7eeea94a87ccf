-- Decoded hash fields of KEYS[2] (the window hash), read once per call and written back once if changed.
local cache, dirty = {}, {}
local function load(field)
  local t = cache[field]
  if t == nil then
    local raw = redis.call('HGET', KEYS[2], field)
    t = raw and cjson.decode(raw) or {}
    cache[field] = t
  end
  return t
end
local function touch(field) dirty[field] = true end
local function drop(field)
  cache[field] = {}
  dirty[field] = nil
  redis.call('HDEL', KEYS[2], field)
end
local encoded = {}
local function flush()
  local args = {}
  for field in pairs(dirty) do
    encoded[field] = cjson.encode(cache[field])
    args[#args + 1] = field
    args[#args + 1] = encoded[field]
  end
  if #args > 0 then redis.call('HSET', KEYS[2], unpack(args)) end
end
