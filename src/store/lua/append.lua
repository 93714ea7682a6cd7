-- KEYS tk ev dd dl ia(the active index)
-- ARGV 1 chan 2 ref 3 op(message|reply|note|resolve|call|voicemail|thanks|survey|csat) 4 channel 5 role
--      6 author id 7 author name 8 text 9 dedupe key 10 client_id
--      11 extra json 12 required customer ('' = any)
--      13 delivery json for the new event ('' = none)
--      14 active index: 'add' | 'rem' | '' (only when the append is done)
--      15.. ticket field, value pairs to set
-- -> {event id, duplicate 0/1, status after}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return redis.error_reply('HILO unknown_ticket') end
if ARGV[12] ~= '' and redis.call('HGET', KEYS[1], 'customer') ~= ARGV[12] then
  return redis.error_reply('HILO forbidden') end
if ARGV[10] ~= '' then
  local prev = redis.call('HGET', KEYS[3], ARGV[9])
  if prev then return {prev, 1, st} end
end
if st == 'closed' then return redis.error_reply('HILO closed') end
local op, ref, now = ARGV[3], ARGV[2], now_ms()
local upd = {'updated_at', now}
local new = st
local id
local ws0 = tonumber(redis.call('HGET', KEYS[1], 'waiting_since')) or 0
local ev = {ch = ARGV[4], ar = ARGV[5], ai = ARGV[6], an = ARGV[7], tx = ARGV[8], ci = ARGV[10], x = ARGV[11]}
if ev.ar == 'customer' and ev.ai == '' then ev.ai = redis.call('HGET', KEYS[1], 'customer') or '' end
if op == 'message' then
  ev.k = 'message'
  id = add(KEYS[2], ref, 'p', ev)
  if st ~= 'open' then status_ev(KEYS[2], ref, st, 'open', '', ''); new = 'open' end
  if (tonumber(redis.call('HGET', KEYS[1], 'waiting_since')) or 0) == 0 then
    upd[#upd + 1] = 'waiting_since'; upd[#upd + 1] = now end
  if redis.call('HGET', KEYS[1], 'last_channel') ~= ARGV[4] then
    redis.call('HINCRBY', KEYS[1], 'channel_switches', 1)
    upd[#upd + 1] = 'last_channel'; upd[#upd + 1] = ARGV[4] end
  redis.call('HINCRBY', KEYS[1], 'messages', 1)
  redis.call('HINCRBY', KEYS[1], 'mc:' .. ARGV[4], 1)
  for _, v in ipairs({'last_text', preview(ARGV[8]), 'last_role', 'customer', 'status', new,
    'follow_up_at', 0}) do upd[#upd + 1] = v end
elseif op == 'reply' or op == 'resolve' then
  ev.k = op == 'reply' and 'reply' or 'resolution'
  id = add(KEYS[2], ref, 'p', ev)
  if (tonumber(redis.call('HGET', KEYS[1], 'first_response_at')) or 0) == 0 then
    upd[#upd + 1] = 'first_response_at'; upd[#upd + 1] = now end
  redis.call('HINCRBY', KEYS[1], 'messages', 1)
  for _, v in ipairs({'waiting_since', 0, 'last_text', preview(ARGV[8]), 'last_role', 'agent'}) do upd[#upd + 1] = v end
  if op == 'resolve' then
    if st ~= 'resolved' then status_ev(KEYS[2], ref, st, 'resolved', ARGV[6], ARGV[7]) end
    new = 'resolved'
    for _, v in ipairs({'status', 'resolved', 'resolved_at', now}) do upd[#upd + 1] = v end
  end
elseif op == 'thanks' then
  -- the customer's last word after a resolution: in the thread, the ticket
  -- stays resolved and out of the queue; a score (field csat) is recorded
  if st ~= 'resolved' then return redis.error_reply('HILO not_resolved') end
  ev.k = 'message'
  local ok, x = pcall(cjson.decode, ARGV[11])
  if not ok or type(x) ~= 'table' then x = {} end
  x.quiet = true
  for i = 15, #ARGV - 1, 2 do
    if ARGV[i] == 'csat' then x.csat = tonumber(ARGV[i + 1]) end
  end
  ev.x = cjson.encode(x)
  id = add(KEYS[2], ref, 'p', ev)
  redis.call('HINCRBY', KEYS[1], 'messages', 1)
  redis.call('HINCRBY', KEYS[1], 'mc:' .. ARGV[4], 1)
  for _, v in ipairs({'last_text', preview(ARGV[8]), 'last_role', 'customer'}) do upd[#upd + 1] = v end
elseif op == 'survey' then
  -- the satisfaction question after a resolution: in the thread, no status change
  ev.k = 'survey'
  -- one that could not be asked (and says why) is for agents only
  id = add(KEYS[2], ref, string.find(ARGV[11], '"skipped"', 1, true) and 'i' or 'p', ev)
elseif op == 'csat' then
  -- a score given outside a message (a call's keypress): no status change
  local ok, x = pcall(cjson.decode, ARGV[11])
  if not ok or type(x) ~= 'table' then x = {} end
  for i = 15, #ARGV - 1, 2 do
    if ARGV[i] == 'csat' then x.csat = tonumber(ARGV[i + 1]) end
  end
  ev.k = 'csat'
  ev.x = cjson.encode(x)
  id = add(KEYS[2], ref, 'p', ev)
elseif op == 'note' then
  ev.k = 'note'
  id = add(KEYS[2], ref, 'i', ev)
elseif op == 'call' or op == 'voicemail' then
  ev.k = op
  id = add(KEYS[2], ref, 'p', ev)
else
  return redis.error_reply('HILO bad op')
end
if ARGV[10] ~= '' then redis.call('HSET', KEYS[3], ARGV[9], id) end
for i = 15, #ARGV - 1, 2 do upd[#upd + 1] = ARGV[i]; upd[#upd + 1] = ARGV[i + 1] end
redis.call('HSET', KEYS[1], unpack(upd))
if ARGV[13] ~= '' then
  local dj = ARGV[13]
  if op == 'reply' and ws0 > 0 then
    -- how long the customer had waited: a failed delivery puts it back
    local d = cjson.decode(dj); d.waited_since = ws0; dj = cjson.encode(d)
  end
  set_delivery(KEYS[4], ref, id, dj)
end
reindex(KEYS[5], ARGV[14], ref, now)
publish(ARGV[1], ref, KEYS[1])
return {id, 0, new}
