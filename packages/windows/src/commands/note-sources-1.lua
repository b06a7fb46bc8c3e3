--[[
  Raises per-source freshness times of one tenant (docs/decisions/0008-source-freshness.md): each
  field keeps the largest value ever written, so aggregator instances writing the same source in any
  order, or a heartbeat read again after a restart, never move a time backwards.

  Input:
    KEYS[1] the tenant's sources hash   e|<source> newest event applied (epoch ms)
                                        h|<source> last heartbeat (epoch ms)
                                        r|<source> newest event the source says it produced (epoch ms)
    ARGV[1] time to live of the hash, seconds (renewed on every call)
    ARGV[2..] field, value pairs

  Output: how many fields were raised.
]]
local rcall = redis.call
local key = KEYS[1]
local raised = 0
for j = 2, #ARGV, 2 do
  local value = tonumber(ARGV[j + 1])
  local current = tonumber(rcall('HGET', key, ARGV[j]) or '-1')
  if value > current then
    rcall('HSET', key, ARGV[j], ARGV[j + 1])
    raised = raised + 1
  end
end
rcall('EXPIRE', key, ARGV[1])
return raised
