--[[
  Marks a delivery sent (the receiver answered 2xx), only if the caller still holds its claim.

  Input:
    KEYS[1] the in-flight set
    KEYS[2] the claims
    KEYS[3] the delivery hash
    KEYS[4] the delivery queue
    ARGV[1] delivery id
    ARGV[2] the claim it was sent under

  Output: 1 when marked; 0 when the claim was lost (its deadline passed and another sender claimed it).
]]
local rcall = redis.call
if rcall('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
rcall('ZREM', KEYS[1], ARGV[1])
rcall('HDEL', KEYS[2], ARGV[1])
rcall('HDEL', KEYS[3], ARGV[1])
rcall('ZREM', KEYS[4], ARGV[1])
return 1
