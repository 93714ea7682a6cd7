-- KEYS tk ev dd rsv dl
-- ARGV 1 chan 2 ref 3 customer 4 channel 5 name 6 text 7 dedupe key
--      8 client_id 9 locale 10 ack text 11 eta minutes 12 message extra json
--      13 ack delivery json ('' = none: the ack goes out on the web only)
--      14 kind of the first event (message, or call for a phone call)
--      15.. ticket field, value pairs (addresses of the channel)
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('HILO exists') end
redis.call('DEL', KEYS[4])
local now = now_ms()
redis.call('HSET', KEYS[1], 'ref', ARGV[2], 'status', 'open', 'customer', ARGV[3],
  'name', ARGV[5], 'locale', ARGV[9], 'channel', ARGV[4], 'last_channel', ARGV[4],
  'created_at', now, 'updated_at', now, 'waiting_since', now, 'first_response_at', 0,
  'resolved_at', 0, 'assignee', '', 'messages', 1, 'channel_switches', 0,
  'last_text', preview(ARGV[6]), 'last_role', 'customer', 'team', '', 'follow_up_at', 0,
  'mc:' .. ARGV[4], 1)
local mid = add(KEYS[2], ARGV[2], 'p', {k = ARGV[14], ch = ARGV[4], ar = 'customer',
  ai = ARGV[3], an = ARGV[5], tx = ARGV[6], ci = ARGV[8], x = ARGV[12]})
if ARGV[8] ~= '' then redis.call('HSET', KEYS[3], ARGV[7], mid) end
local aid = add(KEYS[2], ARGV[2], 'p', {k = 'ack', ch = 'system', ar = 'system', an = 'Hilo',
  tx = ARGV[10], x = cjson.encode({eta_minutes = tonumber(ARGV[11])})})
redis.call('HSET', KEYS[3], 'ack', aid)
if #ARGV >= 16 then redis.call('HSET', KEYS[1], unpack(ARGV, 15)) end
if ARGV[13] ~= '' then set_delivery(KEYS[5], ARGV[2], aid, ARGV[13]) end
publish(ARGV[1], ARGV[2], KEYS[1])
return {mid, aid}
