--[[
  Moves entries read from one tenant's outbox into the dispatcher's outbox, under the current
  fencing token, each at most once: the tenant's outbox lives in the tenant's slot and this one in
  the {notify} slot, so the move cannot be one call (DESIGN §5). The caller removes the entries from
  the tenant's outbox after this call; a crash in between leaves them there, and the next pass moves
  them again, which this script turns into a no-op by their ids.

  Input:
    KEYS[1] the fencing counter
    KEYS[2] the moved ids          (sorted set: entry id by move time)
    KEYS[3] the dispatcher's outbox (list of entry JSON)
    ARGV[1] the pass's fencing token
    ARGV[2] now (ms)
    ARGV[3] how long a moved id is remembered (ms); older ids are forgotten
    ARGV[4 ..] pairs: entry id, entry JSON

  Output: -1 when the token is stale (nothing is written); otherwise the number of entries appended
  (an entry whose id was already moved is skipped).
]]
local rcall = redis.call
if rcall('GET', KEYS[1]) ~= ARGV[1] then return -1 end
rcall('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[2]) - tonumber(ARGV[3])))
local appended = 0
for i = 4, #ARGV, 2 do
  if rcall('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[i]) == 1 then
    rcall('RPUSH', KEYS[3], ARGV[i + 1])
    appended = appended + 1
  end
end
return appended
