-- Merge suggestions: weak matches between customers (the same unverified
-- email typed into the widget, the same name), never applied by themselves.
-- A suggestion is a field "<a> <b>" (a < b) of the suggest hash holding
-- {a, b, reasons, at, state: open|dismissed}; a dismissed one stays so it
-- is not suggested again. docs/continuity.md "Merge, undo and blocking".
-- KEYS 1 suggest 2 ix email 3 ix name ('compute'; else unused copies of 1)
-- ARGV 1 op: compute | list | dismiss
--   compute: 2 customer 3 now ms -> json list of the customer's open ones
--   list:    2 customer ('' = all) -> json list of open ones
--   dismiss: 2 a 3 b 4 agent 5 now ms -> the suggestion json
local function pair(a, b) if a < b then return a .. ' ' .. b end return b .. ' ' .. a end
local function open_of(who)
  local out = {}
  local all = redis.call('HGETALL', KEYS[1])
  for i = 1, #all, 2 do
    local s = cjson.decode(all[i + 1])
    if s.state == 'open' and (who == '' or s.a == who or s.b == who) then out[#out + 1] = s end
  end
  table.sort(out, function(x, y) return x.at > y.at end)
  if #out == 0 then return '[]' end
  return cjson.encode(out)
end
local op = ARGV[1]
if op == 'compute' then
  local me = ARGV[2]
  local found = {}
  for j, kx in ipairs({KEYS[2], KEYS[3]}) do
    for _, other in ipairs(redis.call('SMEMBERS', kx)) do
      if other ~= me then
        found[other] = found[other] or {}
        table.insert(found[other], j == 1 and 'email' or 'name')
      end
    end
  end
  for other, reasons in pairs(found) do
    local f = pair(me, other)
    local cur = redis.call('HGET', KEYS[1], f)
    local s = cur and cjson.decode(cur)
    if not s then
      local a, b = string.match(f, '^(%S+) (%S+)$')
      s = {a = a, b = b, at = tonumber(ARGV[3]), state = 'open'}
    end
    if s.state == 'open' then
      s.reasons = reasons
      redis.call('HSET', KEYS[1], f, cjson.encode(s))
    end
  end
  return open_of(me)
elseif op == 'list' then
  return open_of(ARGV[2])
elseif op == 'dismiss' then
  local f = pair(ARGV[2], ARGV[3])
  local cur = redis.call('HGET', KEYS[1], f)
  if not cur then return redis.error_reply('HILO not_found') end
  local s = cjson.decode(cur)
  s.state = 'dismissed'
  s.dismissed_by = ARGV[4]
  s.dismissed_at = tonumber(ARGV[5])
  cur = cjson.encode(s)
  redis.call('HSET', KEYS[1], f, cur)
  return cur
end
return redis.error_reply('HILO bad_frame')
