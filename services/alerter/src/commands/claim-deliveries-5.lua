--[[
  Claims due deliveries for one sender, under the current fencing token: each moves from the due
  queue to the in-flight set with a visibility deadline, and the claim is recorded. Until that
  deadline no other instance can claim it, so a delivery is POSTed by one sender at a time; a claim
  whose deadline passed (its sender died or froze) can be claimed again.

  Input:
    KEYS[1] the fencing counter
    KEYS[2] the delivery queue     (sorted set: id by next attempt time)
    KEYS[3] the in-flight set      (sorted set: id by visibility deadline)
    KEYS[4] the claims             (hash: id -> claim)
    KEYS[5] the delivery hash      (field <id>: delivery JSON)
    ARGV[1] the sender's fencing token
    ARGV[2] now (ms)
    ARGV[3] the visibility deadline (ms)
    ARGV[4] at most this many

  Output: {} when the token is stale or nothing is due; otherwise { claim, id1, json1, id2, json2, … }
  where claim ("<token>:<deadline>") must be shown to mark these deliveries sent or failed.
]]
local rcall = redis.call
if rcall('GET', KEYS[1]) ~= ARGV[1] then return {} end
local max = tonumber(ARGV[4])
local ids = rcall('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, max)
if #ids < max then
  local expired = rcall('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[2], 'LIMIT', 0, max - #ids)
  for _, id in ipairs(expired) do ids[#ids + 1] = id end
end
local claim = ARGV[1] .. ':' .. ARGV[3]
local out = {}
for _, id in ipairs(ids) do
  local raw = rcall('HGET', KEYS[5], id)
  rcall('ZREM', KEYS[2], id)
  if raw then
    rcall('ZADD', KEYS[3], ARGV[3], id)
    rcall('HSET', KEYS[4], id, claim)
    out[#out + 1] = id
    out[#out + 1] = raw
  else
    rcall('ZREM', KEYS[3], id)
    rcall('HDEL', KEYS[4], id)
  end
end
if #out == 0 then return {} end
table.insert(out, 1, claim)
return out
