-- KEYS cu ids tix
-- ARGV 1 customer id 2 identity 3 name 4 email 5 locale 6 ticket ref
--      7 second identity ('' = none)
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
if redis.call('HSETNX', KEYS[1], 'id', ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], 'created_at', now) end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'name', ARGV[3]) end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'email', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'locale', ARGV[5]) end
if ARGV[2] ~= '' then redis.call('SADD', KEYS[2], ARGV[2]) end
if ARGV[7] ~= '' then redis.call('SADD', KEYS[2], ARGV[7]) end
if ARGV[6] ~= '' then
  redis.call('ZADD', KEYS[3], now, ARGV[6])
  redis.call('HSET', KEYS[1], 'cur', ARGV[6])
end
return 1
