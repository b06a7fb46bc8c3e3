--[[
  Applies the agent events of one Kafka partition batch that belong to ONE tenant, atomically, in
  the tenant's hash slot {tenant} (DESIGN §5; docs/decisions/0007-one-slot-per-call.md). The applied
  offset of (group, topic, partition) is stored beside the tenant's agents, so a redelivered offset
  is skipped per tenant.

  Input:
    KEYS[1] offsets hash   field per group:topic:partition = "<last applied offset>:<watermark>"
    KEYS[2] late list      late agent events of this tenant from this partition
    KEYS[3] agents hash    agentId -> JSON [occurredAtMs, eventId, state, queueIds]

    ARGV[1] offsets field  group:topic:partition
    ARGV[2] graceMs        ARGV[3] agents TTL, s
    ARGV[4] JSON array of this tenant's agent events, in offset order, each
            { o = offset, t = occurredAt ms, w = the partition watermark before this offset,
              late = the event's JSON, only when t < w - grace, e = eventId, g = agentId, v = value }
    ARGV[5] the batch's last offset   ARGV[6] the partition watermark after the batch
    ARGV[7] the applied offset the caller expects stored here ('' when it has none)

  Output: { applied, duplicates, 0, late, redelivered, 0, judged, lateListLength, heldOffset },
          { -3, storedOffset, storedWatermark } with nothing written when the stored offset is not
          the one the caller expects (see apply-queue.lua), or
          { -1, storedWatermark } with nothing written when the caller's watermark is stale.
]]
local rcall = redis.call
local offsetsKey, lateKey, agentsKey = KEYS[1], KEYS[2], KEYS[3]
local field = ARGV[1]
local grace = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local events = cjson.decode(ARGV[4])
local batchLast, batchWatermark = tonumber(ARGV[5]), tonumber(ARGV[6])
local expected = ARGV[7]

-- @include partition-offset.lua
local storedOffset, storedWatermark, refusal = readPartitionOffset(offsetsKey, field, expected, events)
if refusal then return refusal end

-- Values written before issue 8 were "occurredAtMs|eventId|state|q1,q2"; both forms parse.
local function agentStamp(value)
  if string.sub(value, 1, 1) == '[' then
    local decoded = cjson.decode(value)
    return decoded[1], decoded[2]
  end
  local ts, id = string.match(value, '^(%d+)|(.*)|[^|]*|[^|]*$')
  return tonumber(ts) or 0, id or ''
end

local applied, duplicates, late, redelivered, judged = 0, 0, 0, 0, 0
local lateEntries = {}
local written = false
for _, ev in ipairs(events) do
  if ev.o <= storedOffset then
    redelivered = redelivered + 1
  elseif ev.t < ev.w - grace then
    late = late + 1
    lateEntries[#lateEntries + 1] = cjson.encode({ offset = ev.o, watermark = ev.w, event = ev.late })
  else
    judged = judged + 1
    -- Last writer by event time wins (ties by eventId), so reordering and duplicates are harmless.
    local current = rcall('HGET', agentsKey, ev.g)
    local older = false
    if current then
      local ts, id = agentStamp(current)
      older = ts > ev.t or (ts == ev.t and not bytesLess(id, ev.e))
    end
    if older then
      duplicates = duplicates + 1
    else
      rcall('HSET', agentsKey, ev.g, ev.v)
      written = true
      applied = applied + 1
    end
  end
end
if written then rcall('EXPIRE', agentsKey, ttl) end
for j = 1, #lateEntries, 100 do rcall('RPUSH', lateKey, unpack(lateEntries, j, math.min(j + 99, #lateEntries))) end

writePartitionOffset(offsetsKey, field, batchLast, batchWatermark, storedOffset, storedWatermark)

return { applied, duplicates, 0, late, redelivered, 0, judged, rcall('LLEN', lateKey), math.max(storedOffset, batchLast) }
