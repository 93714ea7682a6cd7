-- KEYS tk ev dl
-- ARGV 1 after ('0' = from the start) 2 public only 1/0 3 required customer
--      4 count (0 = summary only)
-- -> {summary json, more 0/1, last scanned id, id1, event json1, ...}
local s = summary(KEYS[1])
if not s then return redis.error_reply('HILO unknown_ticket') end
-- another customer's ticket answers exactly like one that does not exist:
-- a reference alone must not tell whether a case is real (no oracle)
if ARGV[3] ~= '' and s.customer ~= ARGV[3] then return redis.error_reply('HILO unknown_ticket') end
-- resume only from an event this ticket really has: an id the server never
-- issued (forged, or from another ticket) would hide every later event
if ARGV[1] ~= '0' then
  if not string.match(ARGV[1], '^%d+%-%d+$') or
     #redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1], 'COUNT', 1) == 0 then
    return redis.error_reply('HILO unknown_event')
  end
end
local out = {cjson.encode(s), 0, ARGV[1]}
local count = tonumber(ARGV[4])
if count > 0 then
  local start = ARGV[1] == '0' and '-' or ('(' .. ARGV[1])
  local rows = redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', count)
  if #rows >= count then out[2] = 1 end
  local dl = {}
  if ARGV[2] ~= '1' and KEYS[3] then dl = fields_of(redis.call('HGETALL', KEYS[3])) end
  for _, row in ipairs(rows) do
    local f = fields_of(row[2])
    out[3] = row[1]
    if ARGV[2] ~= '1' or (f.k ~= 'note' and f.k ~= 'assign' and f.k ~= 'hold' and f.k ~= 'merged' and f.k ~= 'unmerged' and f.k ~= 'sla') then
      local e = ev_obj(s.ref, row[1], f)
      if dl[row[1]] then e.delivery = cjson.decode(dl[row[1]]) end
      out[#out + 1] = row[1]
      out[#out + 1] = cjson.encode(e)
    end
  end
end
return out
