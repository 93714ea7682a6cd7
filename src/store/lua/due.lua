-- KEYS timers; ARGV 1 now ms 2 lease ms 3 limit
-- -> due members; each is leased (re-scored to now + lease) so that if
-- the instance that took it dies, another takes it after the lease.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[2]), m) end
return due
