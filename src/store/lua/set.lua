-- KEYS tk ev ia(the active index)
-- ARGV 1 chan 2 ref 3 op(assign|status|followup) 4 value 5 author id
--      6 author name 7 team (assign) 8 follow-up time ms (status pending)
--      9 active index: 'add' | 'rem' | '' (only when the change is done)
--      10 reason (status closed: spam|duplicate|other, '' = none)
-- -> {event id or '', status after}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return redis.error_reply('HILO unknown_ticket') end
local op, ref, v, now = ARGV[3], ARGV[2], ARGV[4], now_ms()
local id = ''
if op == 'assign' then
  if st == 'closed' then return redis.error_reply('HILO closed') end
  local cur = redis.call('HMGET', KEYS[1], 'assignee', 'team')
  if (cur[1] or '') == v and (cur[2] or '') == ARGV[7] then return {'', st} end
  redis.call('HSET', KEYS[1], 'assignee', v, 'team', ARGV[7], 'updated_at', now)
  id = add(KEYS[2], ref, 'i', {k = 'assign', ch = 'system', ar = 'agent', ai = ARGV[5],
    an = ARGV[6], x = cjson.encode({assignee = v, team = ARGV[7]})})
elseif op == 'status' then
  local fu = (v == 'pending') and (tonumber(ARGV[8]) or 0) or 0
  if st == v and v ~= 'pending' then return {'', st} end
  if st == 'closed' then return redis.error_reply('HILO closed') end
  local upd = {'status', v, 'updated_at', now, 'follow_up_at', fu}
  local why = (v == 'closed' and (ARGV[10] or '') ~= '') and ARGV[10] or nil
  if v == 'closed' then upd[#upd + 1] = 'closed_at'; upd[#upd + 1] = now end
  if why then upd[#upd + 1] = 'close_reason'; upd[#upd + 1] = why end
  redis.call('HSET', KEYS[1], unpack(upd))
  if st ~= v then id = status_ev(KEYS[2], ref, st, v, ARGV[5], ARGV[6], why) end
  st = v
  reindex(KEYS[3], ARGV[9], ref, now)
elseif op == 'tags' then
  -- labels: the whole comma-joined list (validated by the caller)
  if (redis.call('HGET', KEYS[1], 'tags') or '') == v then return {'', st} end
  redis.call('HSET', KEYS[1], 'tags', v, 'updated_at', now)
  id = add(KEYS[2], ref, 'i', {k = 'tags', ch = 'system', ar = 'agent', ai = ARGV[5],
    an = ARGV[6], x = cjson.encode({tags = v})})
elseif op == 'followup' then
  local fu = tonumber(redis.call('HGET', KEYS[1], 'follow_up_at')) or 0
  if st ~= 'pending' or fu == 0 or fu > now then return {'', st, fu} end
  redis.call('HSET', KEYS[1], 'status', 'open', 'updated_at', now, 'follow_up_at', 0)
  id = status_ev(KEYS[2], ref, 'pending', 'open', '', '', 'follow_up')
  st = 'open'
else
  return redis.error_reply('HILO bad op')
end
publish(ARGV[1], ref, KEYS[1])
return {id, st}
