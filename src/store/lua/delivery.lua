-- KEYS tk dl dd
-- ARGV 1 chan 2 ref 3 op 4 event id or '' 5 json of fields to merge
-- op 'check': resolves the event id (from the dedupe key in ARGV[5])
--   -> {event id or '', delivery json or ''}
-- op 'update': merges fields into the delivery unless that would move
--   its status backwards (a 'force' field allows failed -> queued)
--   -> status after, or '' when ignored
local op, ref = ARGV[3], ARGV[2]
if op == 'check' then
  local id = ARGV[4]
  if id == '' then id = redis.call('HGET', KEYS[3], ARGV[5]) or '' end
  if id == '' then return {'', ''} end
  return {id, redis.call('HGET', KEYS[2], id) or ''}
end
-- op 'open' (routing, docs/continuity.md): the record of an event that had
--   none (a web reply sent again elsewhere) -> 'ok', or '' when one exists
if op == 'open' then
  if redis.call('HEXISTS', KEYS[2], ARGV[4]) == 1 then return '' end
  set_delivery(KEYS[2], ref, ARGV[4], ARGV[5])
  redis.call('PUBLISH', ARGV[1], ref .. '\n' .. table.concat(pub, '\n'))
  return 'ok'
end
local cur = redis.call('HGET', KEYS[2], ARGV[4])
if not cur then return '' end
local d = cjson.decode(cur)
local n = cjson.decode(ARGV[5])
local force = n.force
n.force = nil
-- a status about a send this delivery replaced (a 131047 sent again as a
-- template, docs/continuity.md) is not about this one
local ifpid = n.if_pid
n.if_pid = nil
if ifpid and ifpid ~= '' and d.replaced == ifpid then return '' end
if n.status and not force and (RANK[n.status] or 0) < (RANK[d.status] or 0) then return '' end
if n.status and not force and d.status == 'failed' and n.status ~= 'failed' then return '' end
for k, v in pairs(n) do d[k] = v end
-- a reply that cannot be delivered did not answer the customer: the ticket
-- waits again (since the customer's first unanswered message), and stops
-- waiting once a retry gets through
local ws_after
local ws = tonumber(redis.call('HGET', KEYS[1], 'waiting_since')) or 0
local tst = redis.call('HGET', KEYS[1], 'status')
local waited = tonumber(d.waited_since) or 0
if waited > 0 and (tst == 'open' or tst == 'pending') then
  if d.status == 'failed' and ws == 0 then ws_after = waited; d.rewaiting = true
  elseif d.status ~= 'failed' and d.status ~= 'queued' and d.rewaiting and ws == waited then
    ws_after = 0; d.rewaiting = nil end
end
set_delivery(KEYS[2], ref, ARGV[4], cjson.encode(d))
if ws_after then
  redis.call('HSET', KEYS[1], 'waiting_since', ws_after)
  publish(ARGV[1], ref, KEYS[1])
else
  redis.call('PUBLISH', ARGV[1], ref .. '\n' .. table.concat(pub, '\n'))
end
return d.status
