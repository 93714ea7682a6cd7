-- Undoes a merge (merge.lua) exactly, or refuses with nothing changed.
-- Refused ('HILO undo_conflict') when a later merge of either customer is
-- still in place, or when a moved identity or ticket no longer belongs to B
-- (unlinked, moved again). Handled: what B gained after the merge (new
-- tickets, identities, events on moved tickets) stays where it is now;
-- B's fields the merge filled go back only if they still hold what the
-- merge wrote. The caller names the keys from the record; 'HILO conflict'
-- when they do not match it (nothing done).
-- KEYS as merge.lua (1 A cu 2 A ids 3 A tix 4 B cu 5 B ids 6 B tix 7 A mg
--      8 B mg 9 merges 10 merge recs 11 suggest 12 ix email 13 ix name,
--      14 A evidence 15 B evidence, ident keys, (tk, ev) per ticket)
-- ARGV 1 chan 2 merge id 3 agent 4 agent display name 5 now ms 6 nids 7 ntix
--      8 A 9 B
local js = redis.call('HGET', KEYS[10], ARGV[2])
if not js then return redis.error_reply('HILO not_found') end
local rec = cjson.decode(js)
if rec.state ~= 'done' then return redis.error_reply('HILO bad_state') end
local A, B, snap = rec.from, rec.into, rec.snap
local nids, ntix = tonumber(ARGV[6]), tonumber(ARGV[7])
if A ~= ARGV[8] or B ~= ARGV[9] or nids ~= #snap.ids or ntix ~= #snap.tix then
  return redis.error_reply('HILO conflict') end

-- a later merge of either customer must be undone first
for _, mk in ipairs({KEYS[7], KEYS[8]}) do
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', mk, '(' .. rec.seq, '+inf')) do
    local o = redis.call('HGET', KEYS[10], m)
    if o and cjson.decode(o).state == 'done' then return redis.error_reply('HILO undo_conflict') end
  end
end
-- every moved identity and ticket is still B's
local ik = 16
for i = 1, nids do
  local k, ident = KEYS[ik + i - 1], snap.ids[i][1]
  local ty = redis.call('TYPE', k).ok
  local owner = ty == 'hash' and redis.call('HGET', k, 'customer') or (ty == 'string' and redis.call('GET', k))
  if owner ~= B or redis.call('SISMEMBER', KEYS[5], ident) == 0 then
    return redis.error_reply('HILO undo_conflict') end
end
local tk0 = ik + nids
for i = 1, ntix do
  local tk, ref = KEYS[tk0 + 2 * (i - 1)], snap.tix[i][1]
  if not redis.call('ZSCORE', KEYS[6], ref) then return redis.error_reply('HILO undo_conflict') end
  if redis.call('EXISTS', tk) == 1 and redis.call('HGET', tk, 'customer') ~= B then
    return redis.error_reply('HILO undo_conflict') end
end

-- identities back to A
for i = 1, nids do
  local k, ident, ty = KEYS[ik + i - 1], snap.ids[i][1], snap.ids[i][2]
  if redis.call('TYPE', k).ok == 'hash' then redis.call('HSET', k, 'customer', A)
  elseif ty == 'none' then redis.call('DEL', k)
  else redis.call('SET', k, A) end
  redis.call('SREM', KEYS[5], ident)
  redis.call('SADD', KEYS[2], ident)
  -- the evidence goes back to A's hash; B's own earlier value returns
  local ev, bev = snap.ids[i][3], snap.ids[i][4]
  if ev then
    redis.call('HSET', KEYS[14], ident, redis.call('HGET', KEYS[15], ident) or ev)
    if bev then redis.call('HSET', KEYS[15], ident, bev) else redis.call('HDEL', KEYS[15], ident) end
  end
end
-- tickets back to A, each thread told
local x = cjson.encode({from = B, into = A, merge = rec.id})
for i = 1, ntix do
  local tk, ev = KEYS[tk0 + 2 * (i - 1)], KEYS[tk0 + 2 * (i - 1) + 1]
  local ref, score, was = snap.tix[i][1], snap.tix[i][2], snap.tix[i][3]
  redis.call('ZREM', KEYS[6], ref)
  redis.call('ZADD', KEYS[3], score, ref)
  if redis.call('EXISTS', tk) == 1 then
    if was == '' then redis.call('HDEL', tk, 'customer') else redis.call('HSET', tk, 'customer', was) end
    pub = {}
    add(ev, ref, 'i', {k = 'unmerged', ch = 'system', ar = 'agent', ai = ARGV[3], an = ARGV[4], x = x})
    publish(ARGV[1], ref, tk)
  end
end
-- B's fields the merge filled, unless changed since
for _, s in ipairs(snap.b_set) do
  local f, old, new = s[1], s[2], s[3]
  if redis.call('HGET', KEYS[4], f) == new then
    if old then redis.call('HSET', KEYS[4], f, old) else redis.call('HDEL', KEYS[4], f) end
  end
end
-- A's record as it was (fields written to it since stay)
redis.call('HDEL', KEYS[1], 'merged_into', 'merge')
local acu = snap.a_cu
for i = 1, #acu, 2 do redis.call('HSET', KEYS[1], acu[i], acu[i + 1]) end
-- search indexes
for j, kx in ipairs({KEYS[12], KEYS[13]}) do
  local had, added = snap.ix[j][1], snap.ix[j][2]
  if had == 1 then redis.call('SADD', kx, A) end
  if added == 1 then redis.call('SREM', kx, B) end
end

rec.state = 'undone'
rec.undone_by = ARGV[3]
rec.undone_by_name = ARGV[4]
rec.undone_at = tonumber(ARGV[5])
js = cjson.encode(rec)
redis.call('HSET', KEYS[10], rec.id, js)
return js
