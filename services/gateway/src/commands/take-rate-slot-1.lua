--[[
  Takes one slot of a fixed-window rate limit, atomically across every gateway instance: the first
  call of a window creates the counter with the window's lifetime, later calls only count.

  Input:
    KEYS[1] counter key of one caller (services/gateway/src/keys.ts)
    ARGV[1] window, ms

  Output: { count in this window after the call, ms until the window ends }
]]
local rcall = redis.call
local count = rcall('INCR', KEYS[1])
local ttl = rcall('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  rcall('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
