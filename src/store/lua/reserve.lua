-- KEYS tk rsv; ARGV 1 owner 2 ttl seconds -> 1 reserved / 0 taken
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0
