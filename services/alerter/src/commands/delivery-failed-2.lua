--[[
  Records a failed webhook delivery: schedules the next attempt, or moves the delivery to the
  dead-letter list once it has used every attempt.

  Input:
    KEYS[1] the delivery queue (sorted set: delivery id by next attempt time)
    KEYS[2] the delivery hash  (field <id>: delivery JSON with "attempts")
    ARGV[1] delivery id
    ARGV[2] next attempt time (ms)
    ARGV[3] max attempts
    ARGV[4] dead-letter list key
    ARGV[5] the error, for the dead-letter entry

  Output: the attempts made so far, negative when the delivery was dead-lettered; 0 when unknown.
]]
local rcall = redis.call
local raw = rcall('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local delivery = cjson.decode(raw)
delivery.attempts = (delivery.attempts or 0) + 1
delivery.lastError = ARGV[5]
if delivery.attempts >= tonumber(ARGV[3]) then
  rcall('ZREM', KEYS[1], ARGV[1])
  rcall('HDEL', KEYS[2], ARGV[1])
  rcall('LPUSH', ARGV[4], cjson.encode(delivery))
  rcall('LTRIM', ARGV[4], 0, 9999)
  return -delivery.attempts
end
rcall('HSET', KEYS[2], ARGV[1], cjson.encode(delivery))
rcall('ZADD', KEYS[1], ARGV[2], ARGV[1])
return delivery.attempts
