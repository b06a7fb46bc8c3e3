--[[
  Sums KPI buckets for one queue over a time range, atomically, so a read never sees half
  of a batch. The caller splits the range into whole fine (10 s) buckets and whole
  interval (15 min) buckets and passes the keys; keys that expired simply read as empty.

  Input:
    KEYS[1..n]  bucket hashes: fine (one per minute) or interval
    ARGV[1..n]  for each key: "i" for an interval hash (every field counts), or
                "lo:hi" for a fine hash (only slots lo..hi count)
    ARGV[n+1]   number of counter fields
    ARGV[n+2]   index of the one max field (maxWaitMs)

  Output: the counter values, in field-index order.
]]
local rcall = redis.call
local n = #KEYS
local fields = tonumber(ARGV[n + 1])
local maxIdx = tonumber(ARGV[n + 2])
local out = {}
for idx = 0, fields - 1 do out[idx + 1] = 0 end

local function merge(idx, value)
  if idx == maxIdx then
    if value > out[idx + 1] then out[idx + 1] = value end
  else
    out[idx + 1] = out[idx + 1] + value
  end
end

for k = 1, n do
  local flat = rcall('HGETALL', KEYS[k])
  local spec = ARGV[k]
  if spec == 'i' then
    for j = 1, #flat, 2 do merge(tonumber(flat[j]), tonumber(flat[j + 1])) end
  else
    local sep = string.find(spec, ':', 1, true)
    local lo, hi = tonumber(string.sub(spec, 1, sep - 1)), tonumber(string.sub(spec, sep + 1))
    for j = 1, #flat, 2 do
      local field = flat[j]
      local c = string.find(field, ':', 1, true)
      local slot = tonumber(string.sub(field, 1, c - 1))
      if slot >= lo and slot <= hi then merge(tonumber(string.sub(field, c + 1)), tonumber(flat[j + 1])) end
    end
  end
end
return out
