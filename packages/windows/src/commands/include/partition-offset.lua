-- Shared by apply-queue.lua and apply-agents-3.lua; the script loader inlines it where a script
-- says `-- @include partition-offset.lua` (packages/runtime/src/scripts.ts).

-- The applied offset and watermark of a partition stored in `offsetsKey` under `field` (-1 and nil
-- when none), and the reply that refuses the call, if any, before anything is written:
--   { -3, storedOffset, storedWatermark } when `expected` ('' for none) is not the stored offset: a
--     failover lost writes, or another instance applied meanwhile (decision 0007 "Failover");
--   { -1, storedWatermark } when an event beyond the stored offset was judged against a watermark
--     behind the stored one (another instance moved the partition on).
local function readPartitionOffset(offsetsKey, field, expected, events)
  local storedOffset, storedWatermark = -1, nil
  local stored = redis.call('HGET', offsetsKey, field)
  if stored then
    local o, w = string.match(stored, '^(%-?%d+):(%-?%d+)$')
    storedOffset, storedWatermark = tonumber(o), tonumber(w)
  end
  if expected ~= '' and tonumber(expected) ~= storedOffset then return storedOffset, storedWatermark, { -3, storedOffset, storedWatermark or 0 } end
  if storedWatermark then
    for _, ev in ipairs(events) do
      if ev.o > storedOffset and ev.w < storedWatermark then return storedOffset, storedWatermark, { -1, storedWatermark } end
    end
  end
  return storedOffset, storedWatermark, nil
end

-- Stores "<batchLast>:<watermark>" when the batch moves the offset on; the watermark never goes back.
local function writePartitionOffset(offsetsKey, field, batchLast, batchWatermark, storedOffset, storedWatermark)
  if batchLast <= storedOffset then return end
  local wm = batchWatermark
  if storedWatermark and storedWatermark > wm then wm = storedWatermark end
  redis.call('HSET', offsetsKey, field, string.format('%d', batchLast) .. ':' .. string.format('%d', wm))
end

-- Byte order of two strings (code-point order), never the server locale's (decision 0006).
local function bytesLess(a, b)
  local n = math.min(#a, #b)
  for j = 1, n do
    local x, y = string.byte(a, j), string.byte(b, j)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- The positions of `list`'s records { t, e } in (t, eventId) order, the order every judge uses.
local function timeOrder(list)
  local order = {}
  for j = 1, #list do order[j] = j end
  table.sort(order, function(x, y)
    local a, b = list[x], list[y]
    if a.t ~= b.t then return a.t < b.t end
    return bytesLess(a.e, b.e)
  end)
  return order
end
