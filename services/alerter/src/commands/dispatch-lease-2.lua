--[[
  Takes or renews the dispatch lease and answers the holder's fencing token (issue 8 item 11).
  The token comes from a counter that only ever grows: each new holder gets a larger one, and every
  write the dispatcher and the delivery worker make checks it, so an instance whose lease expired
  mid-pass (a slow webhook, a pause) can no longer write what it computed under the old lease.

  Input:
    KEYS[1] the lease            (string: holder id, with a TTL)
    KEYS[2] the fencing counter  (integer, no TTL: it must never go back)
    ARGV[1] holder id
    ARGV[2] lease ttl, ms

  Output: the holder's fencing token (> 0) when ARGV[1] holds the lease after the call, 0 otherwise.
]]
local rcall = redis.call
local holder = rcall('GET', KEYS[1])
if holder == ARGV[1] then
  local token = rcall('GET', KEYS[2])
  if token then
    rcall('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(token)
  end
elseif holder then
  return 0
end
local token = rcall('INCR', KEYS[2])
rcall('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return token
