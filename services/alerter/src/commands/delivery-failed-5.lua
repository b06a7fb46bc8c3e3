--[[
  Records a failed webhook delivery, only if the caller still holds its claim: schedules the next
  attempt, or moves the delivery to the dead-letter list once it has used every attempt or cannot
  be sent at all (its route is gone). A release (the sender is shutting down) puts it back without
  counting an attempt. The dead-letter entry is the stored delivery: a route name, never its URL
  or headers.

  Input:
    KEYS[1] the delivery queue     (sorted set: id by next attempt time)
    KEYS[2] the in-flight set
    KEYS[3] the claims
    KEYS[4] the delivery hash      (field <id>: delivery JSON with "attempts")
    KEYS[5] the dead-letter list
    ARGV[1] delivery id
    ARGV[2] the claim it was sent under
    ARGV[3] mode: "retry", "dead" (dead-letter now) or "release"
    ARGV[4] next attempt time (ms)
    ARGV[5] max attempts
    ARGV[6] the error, for the dead-letter entry

  Output: the attempts made so far, negative when the delivery was dead-lettered; 1 for a release;
  0 when the claim was lost or the delivery is unknown.
]]
local rcall = redis.call
if rcall('HGET', KEYS[3], ARGV[1]) ~= ARGV[2] then return 0 end
rcall('ZREM', KEYS[2], ARGV[1])
rcall('HDEL', KEYS[3], ARGV[1])
local raw = rcall('HGET', KEYS[4], ARGV[1])
if not raw then return 0 end
if ARGV[3] == 'release' then
  rcall('ZADD', KEYS[1], ARGV[4], ARGV[1])
  return 1
end
local delivery = cjson.decode(raw)
delivery.attempts = (delivery.attempts or 0) + 1
delivery.lastError = ARGV[6]
if ARGV[3] == 'dead' or delivery.attempts >= tonumber(ARGV[5]) then
  rcall('ZREM', KEYS[1], ARGV[1])
  rcall('HDEL', KEYS[4], ARGV[1])
  rcall('LPUSH', KEYS[5], cjson.encode(delivery))
  rcall('LTRIM', KEYS[5], 0, 9999)
  return -delivery.attempts
end
rcall('HSET', KEYS[4], ARGV[1], cjson.encode(delivery))
rcall('ZADD', KEYS[1], ARGV[4], ARGV[1])
return delivery.attempts
