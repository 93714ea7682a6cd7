-- KEYS tk ev dl obx dead deadx idx(active)
-- ARGV 1 chan 2 ref 3 event id 4 error ('' = keep the delivery's)
--      5 bury '1' (file the dead letter here: a status callback's failure)
--        or '0' (the outbox filed it already) 6 now ms (Hilo's clock: the
--        dead letter's time)
-- A message the provider will never deliver: the delivery becomes failed,
-- an internal event 'undelivered' tells the agents why, and the ticket no
-- longer looks answered (waiting again; resolved or pending -> open).
-- Once per failure: a failure already reported is not news (a requeue
-- clears failed_event). -> {1 reported | 0 not news, 1 reopened | 0}
local cur = redis.call('HGET', KEYS[3], ARGV[3])
if not cur then return {0, 0} end
local d = cjson.decode(cur)
if d.failed_event and d.failed_event ~= '' then return {0, 0} end
local ref, ev, now = ARGV[2], ARGV[3], now_ms()
d.status = 'failed'
if ARGV[4] ~= '' then d.error = ARGV[4] end
if not d.error or d.error == '' then d.error = 'failed' end
if ARGV[5] == '1' then
  -- the entry as it was sent (outbox.c keeps it), else rebuilt from the record
  local entry = redis.call('HGET', KEYS[4], ev)
  local e
  if entry then e = cjson.decode(entry) else
    local r = redis.call('XRANGE', KEYS[2], ev, ev)
    local f = r[1] and fields_of(r[1][2]) or {}
    e = {ref = ref, ch = d.channel or '', to = d.to or '', text = f.tx or '', key = ''}
  end
  e.attempt = tostring(d.attempts or 1)
  e.ev = ev
  e.error = d.error
  e.unk = nil; e.unk_at = nil
  local member = ref .. ' ' .. ev
  redis.call('ZADD', KEYS[5], ARGV[6], member)
  redis.call('HSET', KEYS[6], member, cjson.encode(e))
end
redis.call('HDEL', KEYS[4], ev)
local x = {event_id = ev, error = d.error, to = d.to or '', provider_id = d.provider_id or '',
  async = ARGV[5] == '1'}
local st = redis.call('HGET', KEYS[1], 'status')
-- a notice of a pseudo-ticket (a hold's, docs/continuity.md) has no thread
d.failed_event = st and add(KEYS[2], ref, 'i', {k = 'undelivered', ch = d.channel or '',
  ar = 'system', ai = '', an = 'Hilo', tx = d.error, x = cjson.encode(x)}) or 'none'
local reopened = 0
local upd = {'updated_at', now}
-- an agent's answer that did not arrive is no answer (an acknowledgement's
-- failure leaves the customer's last word as it is)
if redis.call('HGET', KEYS[1], 'last_role') == 'agent' then
  upd[#upd + 1] = 'last_role'; upd[#upd + 1] = 'system'
end
if st and (tonumber(redis.call('HGET', KEYS[1], 'waiting_since')) or 0) == 0 and st ~= 'closed' then
  -- waiting again since the customer's first unanswered message (append
  -- records it as waited_since), else since the reply; delivery.lua ends
  -- the wait when a retry gets through (rewaiting)
  local waited = tonumber(d.waited_since) or 0
  if waited <= 0 then waited = tonumber(string.match(ev, '^(%d+)')) or now end
  d.waited_since = waited
  d.rewaiting = true
  upd[#upd + 1] = 'waiting_since'
  upd[#upd + 1] = waited
end
set_delivery(KEYS[3], ref, ev, cjson.encode(d))
if st and st ~= 'closed' then
  if st == 'resolved' or st == 'pending' then
    status_ev(KEYS[2], ref, st, 'open', '', '', 'undelivered')
    upd[#upd + 1] = 'status'; upd[#upd + 1] = 'open'
    reopened = 1
    reindex(KEYS[7], 'add', ref, now)
  end
  redis.call('HSET', KEYS[1], unpack(upd))
  publish(ARGV[1], ref, KEYS[1])
elseif st then
  publish(ARGV[1], ref, KEYS[1])
else
  redis.call('PUBLISH', ARGV[1], ref .. '\n' .. table.concat(pub, '\n'))
end
return {1, reopened}
