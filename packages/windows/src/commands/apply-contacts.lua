--[[
  Repeat-contact FCR of ONE tenant (docs/decisions/0010-service-quality-kpis.md §5), in the tenant's
  hash slot: applies contact facts drained from its queues' outboxes and raises the event clock.

  Per callerKey a hash ns:{tenant}:ck:<key>, one field per contact "<queueId>\0<callId>" ->
  "<t>:<handled 0|1>:<repeated 0|1>". A fact sets a contact's state (or removes it from its previous
  key), the repeat flags of that key's contacts are recomputed (a repeat: another callId of the key
  offered in (t, t + window]), and fcrContacts / fcrRepeated of every contact whose state changed
  move by the difference, in its queue's tenant-tag buckets at its t. Setting a state is idempotent:
  the same facts applied again change nothing. ns:{tenant}:q:<queue>:fcr-open holds the handled
  contacts with no repeat (member callId, score t) while t >= clock - window.

    KEYS[1] the clock, "<ms>:<repeat window ms>"   KEYS[2..] every callerKey hash, bucket and fcr-open key the caller knows the
            call needs; a key it could not know (another contact's queue): nothing is written, the
            reply is { -2, key, ... }.
    ARGV[1] JSON facts, in outbox order { q, c, t, k, h, pk }   ARGV[2] the batch's newest applied
            call-event time of this tenant ('' when none)   ARGV[3] the repeat window, ms
    ARGV[4] callerKey hash TTL, s   ARGV[5] fine bucket TTL, s   ARGV[6] interval bucket TTL, s
    ARGV[7..9] fine group, fine bucket and interval sizes, ms   ARGV[10..11] fine and interval tags
    ARGV[12] the tenant's key prefix   ARGV[13..14] the bucket indices of fcrContacts and fcrRepeated
    ARGV[15] prune margin, ms: a contact older than clock - window - margin is final (its window
            closed before anything the store still applies: the margin is the visit TTL) and is
            dropped from its callerKey hash when the hash is next loaded, its counts kept as they are

  Output: { facts applied, contacts whose counted state changed, clock }.
]]
local rcall = redis.call
local declared = {}
for _, k in ipairs(KEYS) do declared[k] = true end
local clockKey = KEYS[1]

-- @include bucket-writes.lua
local facts = cjson.decode(ARGV[1])
local window = tonumber(ARGV[3])
local ckTtl, fineTtl, intervalTtl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local FINE_GROUP, FINE_BUCKET, INTERVAL = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local FINE_TAG, INTERVAL_TAG = ARGV[10], ARGV[11]
local prefix = ARGV[12]
local CONTACTS, REPEATED = ARGV[13], ARGV[14]
local pruneMargin = tonumber(ARGV[15])

-- The clock is stored with the window it was last used with, "<clock ms>:<window ms>", so a read
-- knows which pending contacts still count without the tenant's settings.
local storedClock, storedWindow = string.match(rcall('GET', clockKey) or '', '^(%-?%d+):(%-?%d+)$')
local clock = tonumber(storedClock or '-1')
local candidate = tonumber(ARGV[2])
local clockMoved = (candidate ~= nil and candidate > clock) or tonumber(storedWindow or '-1') ~= window
if candidate ~= nil and candidate > clock then clock = candidate end

local needed = {}
local function scope(q) return prefix .. 'q:' .. q .. ':' end

local keys, keyOrder = {}, {}
local function load(k)
  local h = keys[k]
  if h then return h end
  local key = prefix .. 'ck:' .. k
  if not declared[key] then error('undeclared callerKey key ' .. key) end
  local raw = rcall('HGETALL', key)
  h = { key = key, now = {}, was = {}, pruned = {} }
  local final = clock - window - pruneMargin
  for j = 1, #raw, 2 do
    local t, hd, r = string.match(raw[j + 1], '^(%-?%d+):(%d):(%d)$')
    local c = { t = tonumber(t), h = tonumber(hd), r = tonumber(r) }
    if c.t < final then
      h.pruned[#h.pruned + 1] = raw[j]
    else
      h.was[raw[j]] = c
      h.now[raw[j]] = { t = c.t, h = c.h, r = c.r }
    end
  end
  keys[k] = h
  keyOrder[#keyOrder + 1] = k
  return h
end

local function callIdOf(f) return string.match(f, '^[^%z]*%z(.*)$') end
local function queueOf(f) return string.match(f, '^([^%z]*)%z') end

-- Repeat flags of one key's contacts, in offer-time order: a contact has a repeat when a later
-- one of another callId is offered within the window after it.
local function recompute(h)
  local list = {}
  for f, c in pairs(h.now) do list[#list + 1] = { c = c, id = callIdOf(f) } end
  table.sort(list, function(a, b) return a.c.t < b.c.t end)
  for i = 1, #list do
    local c, id = list[i].c, list[i].id
    local r, j = 0, i + 1
    while j <= #list and list[j].c.t <= c.t + window do
      if list[j].c.t > c.t and list[j].id ~= id then r = 1; break end
      j = j + 1
    end
    c.r = r
  end
end

for _, fact in ipairs(facts) do
  local f = fact.q .. '\0' .. fact.c
  if fact.pk and fact.pk ~= fact.k then
    local h = load(fact.pk)
    h.now[f] = nil
  end
  if fact.k then
    local h = load(fact.k)
    h.now[f] = { t = fact.t, h = fact.h, r = 0 }
  end
end
for _, k in ipairs(keyOrder) do recompute(keys[k]) end

-- Counter differences and fcr-open membership of every contact of every key touched.
local sums, ttls = {}, {}
local add = counterAdder(sums, ttls, needed)
local LAYOUT = { group = FINE_GROUP, bucket = FINE_BUCKET, interval = INTERVAL, fineTag = FINE_TAG, intervalTag = INTERVAL_TAG }
local function countContact(f, c, sign)
  if not c or c.h ~= 1 then return end
  local fine, slot, interval = bucketsAt(scope(queueOf(f)), c.t, LAYOUT)
  add(fine, slot .. ':' .. CONTACTS, sign, fineTtl)
  add(interval, CONTACTS, sign, intervalTtl)
  if c.r == 1 then
    add(fine, slot .. ':' .. REPEATED, sign, fineTtl)
    add(interval, REPEATED, sign, intervalTtl)
  end
end
local function same(a, b)
  if not a or not b then return a == b end
  return a.t == b.t and a.h == b.h and a.r == b.r
end
local changed = 0
local current = {}
for _, k in ipairs(keyOrder) do
  for f, c in pairs(keys[k].now) do current[f] = c end
end
local openOps = {}
for _, k in ipairs(keyOrder) do
  local h = keys[k]
  local seen = {}
  for f in pairs(h.now) do seen[f] = true end
  for f in pairs(h.was) do seen[f] = true end
  for f in pairs(seen) do
    local was, now = h.was[f], h.now[f]
    local moved = not same(was, now)
    if moved then
      changed = changed + 1
      countContact(f, was, -1)
      countContact(f, now, 1)
    end
    -- Membership follows a changed contact's state now, whichever key holds it (a contact may
    -- move); an unchanged one keeps its place, and the clock alone only ends pending (below).
    if moved and not openOps[f] then
      local c = current[f]
      local openKey = scope(queueOf(f)) .. 'fcr-open'
      needed[openKey] = true
      openOps[f] = { openKey, c and c.h == 1 and c.r == 0 and c.t >= clock - window and c.t or false, callIdOf(f) }
    end
  end
end

local undeclared = undeclaredReply(needed, declared)
if undeclared then return undeclared end

writeSums(sums, ttls)
for _, k in ipairs(keyOrder) do
  local h = keys[k]
  local writes, removes = {}, {}
  for f, c in pairs(h.now) do
    if not same(h.was[f], c) then
      writes[#writes + 1] = f
      writes[#writes + 1] = string.format('%d', c.t) .. ':' .. c.h .. ':' .. c.r
    end
  end
  for f in pairs(h.was) do
    if not h.now[f] then removes[#removes + 1] = f end
  end
  for _, f in ipairs(h.pruned) do removes[#removes + 1] = f end
  if #writes > 0 then rcall('HSET', h.key, unpack(writes)) end
  if #removes > 0 then rcall('HDEL', h.key, unpack(removes)) end
  if #writes > 0 or #removes > 0 then rcall('EXPIRE', h.key, ckTtl) end
end
local openTouched = {}
for _, op in pairs(openOps) do
  local key, score, id = op[1], op[2], op[3]
  if score then rcall('ZADD', key, score, id) else rcall('ZREM', key, id) end
  openTouched[key] = true
end
-- Older ones are final (their repeat window closed): the reads skip them, the drain drops them.
for key in pairs(openTouched) do
  rcall('ZREMRANGEBYSCORE', key, '-inf', '(' .. string.format('%d', clock - window))
  rcall('EXPIRE', key, ckTtl)
end
if clockMoved then rcall('SET', clockKey, string.format('%d', clock) .. ':' .. string.format('%d', window), 'EX', intervalTtl) end

return { #facts, changed, clock }
