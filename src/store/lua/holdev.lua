-- KEYS tk ev
-- ARGV 1 chan 2 ref 3 text 4 extra json 5 counter field to increment ('' = none)
-- An internal event about a held join on a real ticket (agents only);
-- nothing when the ticket does not exist. -> 1 | 0
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[5] ~= '' then redis.call('HINCRBY', KEYS[1], ARGV[5], 1) end
add(KEYS[2], ARGV[2], 'i', {k = 'hold', ch = 'system', ar = 'system', ai = '', an = 'Hilo',
  tx = ARGV[3], x = ARGV[4]})
publish(ARGV[1], ARGV[2], KEYS[1])
return 1
