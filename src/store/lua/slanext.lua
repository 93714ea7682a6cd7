-- KEYS timers; ARGV 1 member 2 the score it was leased with 3 next ms (0: remove)
-- -> 1 set, 0 left alone: the member was moved meanwhile (a ticket write
-- asked for a look), so it fires again soon.
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
if cur and tonumber(cur) ~= tonumber(ARGV[2]) then return 0 end
if tonumber(ARGV[3]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[1])
end
return 1
