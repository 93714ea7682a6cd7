-- Merges customer A into customer B, atomically, with a snapshot that lets
-- unmerge.lua undo it exactly (docs/continuity.md "Merge, undo and blocking").
-- The caller read A's identities and tickets first and names their keys; if
-- they changed since, the script refuses with 'HILO conflict' (nothing done)
-- and the caller reads again. This script spans customers and tickets: it is
-- the one multi-slot script (like the MULTI blocks that create tickets).
-- KEYS 1 A cu 2 A ids 3 A tix 4 B cu 5 B ids 6 B tix 7 A mg 8 B mg
--      9 merges 10 merge recs 11 suggest 12 ix email 13 ix name, 14 A evidence
--      15 B evidence, then one
--      ident key per identity, then (tk, ev) per ticket
-- ARGV 1 chan 2 A 3 B 4 agent 5 agent display name 6 now ms 7 nids 8 ntix
--      9 A email ('' none) 10 A name ('' none) 11 '1' if the name is indexed,
--      then identities, then refs
local A, B = ARGV[2], ARGV[3]
local nids, ntix = tonumber(ARGV[7]), tonumber(ARGV[8])
local now = tonumber(ARGV[6])
if A == B then return redis.error_reply('HILO bad_frame') end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[4]) == 0 then
  return redis.error_reply('HILO unknown_customer') end
if redis.call('HEXISTS', KEYS[1], 'merged_into') == 1 or redis.call('HEXISTS', KEYS[4], 'merged_into') == 1 then
  return redis.error_reply('HILO bad_state') end
local ids, refs = {}, {}
for i = 1, nids do ids[i] = ARGV[11 + i] end
for i = 1, ntix do refs[i] = ARGV[11 + nids + i] end
-- what the caller read is still true
if redis.call('SCARD', KEYS[2]) ~= nids or redis.call('ZCARD', KEYS[3]) ~= ntix then
  return redis.error_reply('HILO conflict') end
for i = 1, nids do
  if redis.call('SISMEMBER', KEYS[2], ids[i]) == 0 then return redis.error_reply('HILO conflict') end
end
for i = 1, ntix do
  if not redis.call('ZSCORE', KEYS[3], refs[i]) then return redis.error_reply('HILO conflict') end
end
local acu = fields_of(redis.call('HGETALL', KEYS[1]))
local bcu = fields_of(redis.call('HGETALL', KEYS[4]))
if (acu.email or '') ~= ARGV[9] or (acu.name or '') ~= ARGV[10] then
  return redis.error_reply('HILO conflict') end

local id = 'm' .. redis.call('HINCRBY', KEYS[10], 'seq', 1)
local seq = tonumber(string.sub(id, 2))
local snap = {a_cu = redis.call('HGETALL', KEYS[1]), ids = {}, tix = {}, b_set = {}, ix = {}}

-- identities: the set, and each identity's pointer (a string, or a hash
-- with its evidence: only its customer field changes, the rest travels)
local ik = 16
for i = 1, nids do
  local k = KEYS[ik + i - 1]
  local ty = redis.call('TYPE', k).ok
  if ty == 'hash' then redis.call('HSET', k, 'customer', B)
  elseif ty == 'string' or ty == 'none' then redis.call('SET', k, B) end
  redis.call('SADD', KEYS[5], ids[i])
  -- its evidence moves from A's hash to B's (B's earlier value kept)
  local ev = redis.call('HGET', KEYS[14], ids[i])
  local bev = redis.call('HGET', KEYS[15], ids[i])
  if ev then
    redis.call('HSET', KEYS[15], ids[i], ev)
    redis.call('HDEL', KEYS[14], ids[i])
  end
  snap.ids[i] = {ids[i], ty, ev or false, bev or false}
end
redis.call('DEL', KEYS[2])

-- tickets: the customer's list, each ticket's customer, a "merged" event
local tk0 = ik + nids
local x = cjson.encode({from = A, into = B, merge = id})
for i = 1, ntix do
  local tk, ev = KEYS[tk0 + 2 * (i - 1)], KEYS[tk0 + 2 * (i - 1) + 1]
  local score = redis.call('ZSCORE', KEYS[3], refs[i])
  redis.call('ZADD', KEYS[6], score, refs[i])
  snap.tix[#snap.tix + 1] = {refs[i], score, redis.call('HGET', tk, 'customer') or ''}
  if redis.call('EXISTS', tk) == 1 then
    redis.call('HSET', tk, 'customer', B)
    pub = {}
    add(ev, refs[i], 'i', {k = 'merged', ch = 'system', ar = 'agent', ai = ARGV[4], an = ARGV[5], x = x})
    publish(ARGV[1], refs[i], tk)
  end
end
redis.call('DEL', KEYS[3])

-- B's fields: only the empty ones are filled from A
for _, f in ipairs({'name', 'email', 'locale'}) do
  if (bcu[f] or '') == '' and (acu[f] or '') ~= '' then
    redis.call('HSET', KEYS[4], f, acu[f])
    snap.b_set[#snap.b_set + 1] = {f, bcu[f] or false, acu[f]}
  end
end
-- the current ticket: the newer of the two
if acu.cur and acu.cur ~= '' then
  local as = tonumber(redis.call('ZSCORE', KEYS[6], acu.cur) or '0')
  local bs = bcu.cur and tonumber(redis.call('ZSCORE', KEYS[6], bcu.cur) or '0') or -1
  if as > bs then
    redis.call('HSET', KEYS[4], 'cur', acu.cur)
    snap.b_set[#snap.b_set + 1] = {'cur', bcu.cur or false, acu.cur}
  end
end

-- search and suggestion indexes: B is found where A was
for j, kx in ipairs({KEYS[12], KEYS[13]}) do
  local had = 0
  if (j == 1 and ARGV[9] ~= '') or (j == 2 and ARGV[11] == '1') then
    had = redis.call('SREM', kx, A)
    snap.ix[j] = {had, redis.call('SADD', kx, B)}
  else
    snap.ix[j] = {0, 0}
  end
end
-- suggestions naming A are answered (this one) or moot (A is gone)
for _, f in ipairs(redis.call('HKEYS', KEYS[11])) do
  local a, b = string.match(f, '^(%S+) (%S+)$')
  if a == A or b == A then redis.call('HDEL', KEYS[11], f) end
end

-- A stays as a pointer to B
redis.call('HSET', KEYS[1], 'merged_into', B, 'merge', id)

local rec = {id = id, seq = seq, from = A, into = B, by = ARGV[4], by_name = ARGV[5], at = now,
  state = 'done', identities = nids, tickets = ntix, snap = snap}
local js = cjson.encode(rec)
redis.call('HSET', KEYS[10], id, js)
redis.call('ZADD', KEYS[9], seq, id)
redis.call('ZADD', KEYS[7], seq, id)
redis.call('ZADD', KEYS[8], seq, id)
return js
