--[[
  Saves one dispatcher pass, only if the pass ran under the current fencing token: the grouper
  state, the removal of the outbox entries the pass read (by identity, never by count, so an entry
  appended during the pass stays), and the deliveries of the batches that fell due.

  Input:
    KEYS[1] the fencing counter
    KEYS[2] the dispatcher's outbox (entries moved from the tenants' outboxes; one LREM each)
    KEYS[3] the grouper state      (string: JSON)
    KEYS[4] the delivery hash      (field <id>: delivery JSON)
    KEYS[5] the delivery queue     (sorted set: delivery id by next attempt time)
    ARGV[1] the pass's fencing token
    ARGV[2] the grouper state JSON
    ARGV[3] now (ms): the first attempt time of new deliveries
    ARGV[4] n, the number of outbox entries the pass read
    ARGV[5 .. 4+n] those entries, byte for byte as read
    ARGV[5+n ..] pairs: delivery id, delivery JSON

  Output: -1 when the token is stale (nothing is written); otherwise the number of deliveries
  created (an id already present, e.g. in flight, is left alone).
]]
local rcall = redis.call
if rcall('GET', KEYS[1]) ~= ARGV[1] then return -1 end
rcall('SET', KEYS[3], ARGV[2])
local n = tonumber(ARGV[4])
for i = 5, 4 + n do
  rcall('LREM', KEYS[2], 1, ARGV[i])
end
local created = 0
for i = 5 + n, #ARGV, 2 do
  if rcall('HSETNX', KEYS[4], ARGV[i], ARGV[i + 1]) == 1 then
    rcall('ZADD', KEYS[5], ARGV[3], ARGV[i])
    created = created + 1
  end
end
return created
