--[=[
  Writes what changed in one entity's state since its last checkpoint, if nobody else wrote it since: the aggregator
  that owns the entity's partition keeps the state in memory and computes every change itself; this script only
  makes the write atomic and fenced. The state and the offsets that produced it are written together, so a
  redelivered event is found applied, or not, as a whole.

  KEYS[1] meta hash   (the fence: its `epoch` and `ver`)     KEYS[4] call starts per second (hash)
  KEYS[2] windows     (hash)                                 KEYS[5] open calls (zset)
  KEYS[3] ids seen    (hash)                                 KEYS[6] money movements per second (hash)

  ARGV[1] epoch expected in KEYS[1] ("" for none)
  ARGV[2] version expected in KEYS[1] ("" for none)
  ARGV[3] the operations, JSON: [[command, key number, [arguments…]], …]. Commands: HSET, HDEL, ZADD, ZREM and DEL
          (no arguments). One JSON argument rather than many: the client encodes one string instead of dozens.
  ARGV[4…] field and value pairs for KEYS[3] (binary: the hashes of ids)

  Returns 1 when written, 0 when the fence did not hold (another writer changed the entity: nothing was written),
  -2 for operations this script does not run.
]=]
local ALLOWED = { HSET = true, HDEL = true, ZADD = true, ZREM = true, DEL = true }
local fence = redis.call('HMGET', KEYS[1], 'epoch', 'ver')
if (fence[1] or '') ~= ARGV[1] or (fence[2] or '') ~= ARGV[2] then return 0 end
local ok, ops = pcall(cjson.decode, ARGV[3])
if not ok then return -2 end
for _, op in ipairs(ops) do
  local command, key, args = op[1], KEYS[op[2]], op[3]
  if not ALLOWED[command] or not key then return -2 end
  if #args == 0 then
    redis.call(command, key)
  else
    -- Lua's unpack has a limit; an even count keeps field-value and score-member pairs whole.
    for i = 1, #args, 1000 do redis.call(command, key, unpack(args, i, math.min(i + 999, #args))) end
  end
end
for i = 4, #ARGV - 1, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
return 1
