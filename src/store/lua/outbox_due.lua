-- KEYS q due; ARGV 1 now ms 2 limit: due retries back into the stream
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local e = cjson.decode(m)
  local args = {KEYS[1], '*'}
  for k, v in pairs(e) do args[#args + 1] = k; args[#args + 1] = tostring(v) end
  redis.call('XADD', unpack(args))
  redis.call('ZREM', KEYS[2], m)
end
return #due
