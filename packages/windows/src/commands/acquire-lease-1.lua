--[[
  Takes or renews a lease: only one holder at a time, for ttl ms after its last renewal.
  Used so that one aggregator instance publishes snapshots while the others stand by.

  Input:
    KEYS[1] lease key
    ARGV[1] holder id
    ARGV[2] ttl, ms

  Output: 1 when ARGV[1] holds the lease after the call, 0 otherwise.
]]
local rcall = redis.call
local holder = rcall('GET', KEYS[1])
if holder == false then
  rcall('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  rcall('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
