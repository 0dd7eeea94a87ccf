--[=[
  Claims one delivery (alert event × channel × recipient) before it is sent, so that it is sent once however
  often the alert event is read. A claim carries a lease; the sender renews it before each retry, so a claim
  whose lease ran out belongs to an attempt that died while sending.

  KEYS[1] delivery key (string): "sent|<attempt>|<at ms>|<message id>" once sent ("1" and "sent" from older
          versions), "sending|<lease until ms>" while claimed ("sending" from older versions: no lease)
  ARGV[1] now          epoch ms
  ARGV[2] lease        ms a claim holds before it counts as abandoned
  ARGV[3] ttl          seconds the key lives (far longer than any redelivery)
  ARGV[4] resend       "1": an abandoned claim is taken over and sent again (at least once); "0": it is not (at most once)

  Returns { "ours" }, { "sent", <value> }, { "resend" }, { "unfinished" } or { "busy", <lease until ms> }.
]=]
local now = tonumber(ARGV[1])
local lease = 'sending|' .. (now + tonumber(ARGV[2]))
local value = redis.call('GET', KEYS[1])
if not value then
  redis.call('SET', KEYS[1], lease, 'EX', ARGV[3])
  return { 'ours' }
end
if value == '1' or value == 'sent' or string.sub(value, 1, 5) == 'sent|' then return { 'sent', value } end
local untilMs = tonumber(string.match(value, '^sending|(%d+)$') or '0')
if untilMs > now then return { 'busy', tostring(untilMs) } end
if ARGV[4] ~= '1' then return { 'unfinished' } end
redis.call('SET', KEYS[1], lease, 'EX', ARGV[3])
return { 'resend' }
