-- Counts one failed login of a name or an address (src/store/agents.c).
-- KEYS 1 login:fail:<who> 2 login:lock:<who>;
-- ARGV 1 window ms 2 max failures 3 base lockout ms.
-- From the max-th failure in the window on, the lock key is set for
-- base * 2^(failures - max) ms, at most the window. Returns the lock's
-- length in ms, 0 when none.
local n = redis.call('INCR', KEYS[1])
local win = tonumber(ARGV[1])
redis.call('PEXPIRE', KEYS[1], win)
local over = n - tonumber(ARGV[2])
if over < 0 then return 0 end
local d = tonumber(ARGV[3]) * 2 ^ math.min(over, 30)
if d > win then d = win end
d = math.floor(d)
redis.call('SET', KEYS[2], n, 'PX', d)
return d
