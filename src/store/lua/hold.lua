-- A held join (docs/continuity.md). KEYS 1 hold hash 2 held messages (list)
-- ARGV 1 op, then per op:
--  open   2 now 3 ttl s 4 message json 5.. hash field, value pairs
--         -> 1 (a new hold) | error 'HILO bad_state' (the id is taken)
--  add    2 message json 3 max messages -> 1 added | 0 (not pending, or full)
--  try    2 code hash 3 now 4 max tries
--         -> {'ok', ref} | {'bad', tries left, ref} | {'dead', ref} (no code,
--            expired, no tries left) | {'gone'} (not pending)
--  decide 2 new status (joining | rejected) 3 by 4 now
--         -> {ref, identity, channel} | error 'HILO bad_state', or
--            'HILO unknown_ticket' (approving a hold that names no ticket)
--  done   2 now -> 1 (joining -> joined)
--  back   -> 1 (joining -> pending: the join could not be done, an agent
--         decides again)
local op = ARGV[1]
if op == 'open' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('HILO bad_state') end
  local f = {'status', 'pending', 'created_at', ARGV[2], 'tries', 0}
  for i = 5, #ARGV - 1, 2 do f[#f + 1] = ARGV[i]; f[#f + 1] = ARGV[i + 1] end
  redis.call('HSET', KEYS[1], unpack(f))
  redis.call('RPUSH', KEYS[2], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  return 1
end
local st = redis.call('HGET', KEYS[1], 'status')
if op == 'add' then
  if st ~= 'pending' or redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[3]) then return 0 end
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
elseif op == 'try' then
  if st ~= 'pending' then return {'gone'} end
  local h = redis.call('HMGET', KEYS[1], 'code_hash', 'code_exp', 'tries', 'ref')
  local max, tries, ref = tonumber(ARGV[4]), tonumber(h[3]) or 0, h[4] or ''
  if not h[1] or h[1] == '' or tonumber(ARGV[3]) > (tonumber(h[2]) or 0) or tries >= max then
    return {'dead', ref}
  end
  tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
  if h[1] == ARGV[2] then
    redis.call('HSET', KEYS[1], 'status', 'joining', 'decided_by', 'code', 'decided_at', ARGV[3])
    return {'ok', ref}
  end
  if tries >= max then return {'dead', ref} end
  return {'bad', tostring(max - tries), ref}
elseif op == 'decide' then
  if not st then return redis.error_reply('HILO unknown_hold') end
  -- a join that stopped half way (a crash) can be approved again: its
  -- appends are idempotent
  if not (st == 'pending' or (st == 'joining' and ARGV[2] == 'joining')) then
    return redis.error_reply('HILO bad_state')
  end
  -- a hold that named no ticket that could take it has nothing to join:
  -- refused, still pending (an agent rejects it)
  if ARGV[2] == 'joining' and (redis.call('HGET', KEYS[1], 'customer') or '') == '' then
    return redis.error_reply('HILO unknown_ticket')
  end
  redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decided_by', ARGV[3], 'decided_at', ARGV[4])
  local h = redis.call('HMGET', KEYS[1], 'ref', 'identity', 'channel')
  return {h[1] or '', h[2] or '', h[3] or ''}
elseif op == 'done' then
  if st == 'joining' then redis.call('HSET', KEYS[1], 'status', 'joined') end
  return 1
elseif op == 'back' then
  if st == 'joining' then
    redis.call('HSET', KEYS[1], 'status', 'pending')
    redis.call('HDEL', KEYS[1], 'decided_by', 'decided_at')
  end
  return 1
end
return redis.error_reply('HILO bad op')
