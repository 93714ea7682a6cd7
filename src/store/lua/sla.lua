-- KEYS tk ev
-- ARGV 1 chan 2 ref 3 expected sla_rev 4 expected status
--      5 expected first_response_at 6 number of events n
--      7..6+n each event's fields (json; an internal 'sla' event)
--      then ticket field, value pairs
-- -> 1 applied, 0 the ticket changed since it was read (nothing written)
local h = redis.call('HMGET', KEYS[1], 'status', 'sla_rev', 'first_response_at')
if not h[1] then return redis.error_reply('HILO unknown_ticket') end
if h[1] ~= ARGV[4] or (tonumber(h[2]) or 0) ~= tonumber(ARGV[3]) or
  (tonumber(h[3]) or 0) ~= tonumber(ARGV[5]) then return 0 end
local ref, n = ARGV[2], tonumber(ARGV[6])
for i = 7, 6 + n do
  add(KEYS[2], ref, 'i', {k = 'sla', ch = 'system', ar = 'system', an = 'Hilo', x = ARGV[i]})
end
local upd = {'sla_rev', (tonumber(h[2]) or 0) + 1}
for i = 7 + n, #ARGV - 1, 2 do upd[#upd + 1] = ARGV[i]; upd[#upd + 1] = ARGV[i + 1] end
redis.call('HSET', KEYS[1], unpack(upd))
publish(ARGV[1], ref, KEYS[1])
return 1
