-- Shared by apply-queue.lua, apply-complaints.lua and apply-contacts.lua (inlined by the loader).

-- The reply { -2, key, ... } (sorted) when a key of `needed` (a set) is not declared, else nil:
-- every key a decision needs must be declared before anything is written.
local function undeclaredReply(needed, declared)
  local missing = {}
  for key in pairs(needed) do
    if not declared[key] then missing[#missing + 1] = key end
  end
  if #missing == 0 then return nil end
  table.sort(missing)
  table.insert(missing, 1, -2)
  return missing
end

-- Adds the summed counter deltas (key -> field -> delta; zeros skipped) and sets each key's TTL.
local function writeSums(sums, ttls)
  for key, fields in pairs(sums) do
    for f, value in pairs(fields) do
      if value ~= 0 then redis.call('HINCRBY', key, f, value) end
    end
  end
  for key, ttl in pairs(ttls) do redis.call('EXPIRE', key, ttl) end
end

-- A function add(key, field, delta, ttl) summing into `sums` (key -> field -> delta), noting each
-- key's TTL in `ttls` and, when given, the key in the set `needed`.
local function counterAdder(sums, ttls, needed)
  return function(key, f, value, ttl)
    if needed then needed[key] = true end
    ttls[key] = ttl
    local t = sums[key]
    if not t then t = {}; sums[key] = t end
    t[f] = (t[f] or 0) + value
  end
end

-- The fine bucket key, the slot in it, and the interval bucket key of time t under a key prefix
-- (bucket-keys.ts): layout = { group, bucket, interval (ms), fineTag, intervalTag }.
local function bucketsAt(keyPrefix, t, layout)
  local group = t - (t % layout.group)
  local slot = math.floor((t - group) / layout.bucket)
  return keyPrefix .. layout.fineTag .. string.format('%d', group), slot, keyPrefix .. layout.intervalTag .. string.format('%d', t - (t % layout.interval))
end
