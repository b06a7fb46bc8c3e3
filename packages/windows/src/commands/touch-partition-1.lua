--[[
  Records, in the partition's own slot, which queues and tenants a partition batch touches, before
  their apply calls run (docs/decisions/0007-one-slot-per-call.md "Resume"). Resume compares each
  member's stored offset with the last batch recorded here: a member behind it missed a write (a
  crash between two calls of a batch, or a failover that lost its last writes) and is replayed from
  its own offset, or from its first batch when it has none.

  Input:
    KEYS[1] partition index hash   f:<member> = "<first batch start offset>:<watermark before it>"
                                   l:<member> = last offset of the latest batch that touched it
    ARGV[1] batch start offset   ARGV[2] partition watermark before the batch
    ARGV[3] batch last offset    ARGV[4..] members: "q:<tenant>:<queue>" or "a:<tenant>"

  Output: the number of members.
]]
local rcall = redis.call
local key = KEYS[1]
local first = ARGV[1] .. ':' .. ARGV[2]
local last = tonumber(ARGV[3])
for j = 4, #ARGV do
  local member = ARGV[j]
  rcall('HSETNX', key, 'f:' .. member, first)
  local current = tonumber(rcall('HGET', key, 'l:' .. member) or '-1')
  if last > current then rcall('HSET', key, 'l:' .. member, ARGV[3]) end
end
return #ARGV - 3
