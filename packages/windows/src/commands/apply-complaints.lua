--[[
  Applies the complaint events of one Kafka partition batch that belong to ONE tenant, atomically,
  in the tenant's hash slot {tenant} (docs/decisions/0010-service-quality-kpis.md §4). The applied
  offset of (group, topic, partition) is stored in the tenant's offsets hash (member c:<tenant> of
  the partition index), with the same protocol as apply-queue.lua.

  A complaint hash ns:{tenant}:cp:<id> holds one field per distinct eventId (JSON { t, y = F filed |
  R responded | X resolved, q, due, m, sv, cat, ch, out }) and `meta`. Its judge: of the distinct
  events in (occurredAt, eventId) order the first F is the filing, the first R the first response,
  the first X the closing; the rest are duplicates. Counting needs the filing; an event arriving
  earlier than the ones stored re-judges the complaint: its counters before are taken back and
  the ones after added, like a changed verdict.

    KEYS[1] offsets hash   KEYS[2] late list   KEYS[3..] every complaint hash of the batch and every
            bucket, open/due set and month key the caller knows the call may write. A key it could
            not know (the queue of a stored filing): nothing is written, the reply is { -2, key, ... }.

    ARGV[1] offsets field   ARGV[2] graceMs   ARGV[3] fine bucket TTL, s   ARGV[4] interval bucket
            and complaint TTL, s   ARGV[5] JSON events in offset order { o, t, w, late, e, c =
            complaintId, y, q (filing's queue, absent at tenant level), due, m (filing's month label),
            sv, cat, ch, out }
    ARGV[6] the batch's last offset   ARGV[7] the partition watermark after the batch
    ARGV[8] the applied offset the caller expects stored here ('' when none)
    ARGV[9..11] fine group, fine bucket and interval sizes, ms   ARGV[12..13] fine and interval tags
    ARGV[14] the tenant's key prefix   ARGV[15] month counter TTL, s
    ARGV[16] JSON array TENANT_COUNT_FIELDS (a field's position is its index in the buckets)

  Output: { applied, duplicates, 0, late, redelivered, revised, judged, lateListLength, heldOffset },
          or { -3, ... } / { -1, ... } / { -2, key, ... } as apply-queue.lua.
]]
local rcall = redis.call
local declared = {}
for _, k in ipairs(KEYS) do declared[k] = true end
local offsetsKey, lateKey = KEYS[1], KEYS[2]
local field = ARGV[1]
local grace = tonumber(ARGV[2])
local fineTtl, intervalTtl = tonumber(ARGV[3]), tonumber(ARGV[4])
local events = cjson.decode(ARGV[5])
local batchLast, batchWatermark = tonumber(ARGV[6]), tonumber(ARGV[7])
local expected = ARGV[8]
local FINE_GROUP, FINE_BUCKET, INTERVAL = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local FINE_TAG, INTERVAL_TAG = ARGV[12], ARGV[13]
local prefix = ARGV[14]
local monthTtl = tonumber(ARGV[15])
local IDX = {}
for j, name in ipairs(cjson.decode(ARGV[16])) do IDX[name] = j - 1 end
local OUTCOME_FIELD = { resolved = 'complaintsResolved', rejected = 'complaintsRejected', withdrawn = 'complaintsWithdrawn' }

-- @include partition-offset.lua
-- @include bucket-writes.lua
local storedOffset, storedWatermark, refusal = readPartitionOffset(offsetsKey, field, expected, events)
if refusal then return refusal end

local function scope(q) if q then return prefix .. 'q:' .. q .. ':' end return prefix .. 't:' end
local function openKey(q) if q then return scope(q) .. 'cp-open' end return prefix .. 'cp-open' end
local function dueKey(q) if q then return scope(q) .. 'cp-due' end return prefix .. 'cp-due' end

local needed = {}
local sums, ttls = {}, {}
local add = counterAdder(sums, ttls, needed)
local LAYOUT = { group = FINE_GROUP, bucket = FINE_BUCKET, interval = INTERVAL, fineTag = FINE_TAG, intervalTag = INTERVAL_TAG }
local function count(q, t, name, sign)
  local fine, slot, interval = bucketsAt(scope(q), t, LAYOUT)
  local idx = IDX[name]
  add(fine, slot .. ':' .. idx, sign, fineTtl)
  add(interval, tostring(idx), sign, intervalTtl)
end

-- The judge of decision 0010 §4 over a complaint's distinct records.
local function judge(list)
  local order = timeOrder(list)
  local verdicts, state = {}, {}
  local slotOf = { F = 'filing', R = 'response', X = 'closing' }
  for _, j in ipairs(order) do
    local r = list[j]
    local s = slotOf[r.y]
    if state[s] then verdicts[r.e] = 'duplicate' else state[s] = r; verdicts[r.e] = 'applied' end
  end
  return verdicts, state
end

-- Adds (1) or takes back (-1) what a judged complaint counts.
local function countState(state, sign)
  local f = state.filing
  if not f then return end
  count(f.q, f.t, 'complaintsFiled', sign)
  local mk = prefix .. 'cpm:' .. f.m
  add(mk, f.q or '*', sign, monthTtl)
  local r = state.response
  if r then
    count(f.q, r.t, 'complaintsResponded', sign)
    if r.t <= f.due then count(f.q, r.t, 'complaintsRespondedOnTime', sign) end
  end
  local x = state.closing
  if x then count(f.q, x.t, OUTCOME_FIELD[x.out] or 'complaintsResolved', sign) end
end

local complaints, order = {}, {}
local function load(id)
  local cp = complaints[id]
  if cp then return cp end
  local key = prefix .. 'cp:' .. id
  if not declared[key] then error('undeclared complaint key ' .. key) end
  local raw = rcall('HGETALL', key)
  cp = { key = key, id = id, list = {}, held = {}, writes = {}, meta = nil }
  for j = 1, #raw, 2 do
    if raw[j] == 'meta' then cp.meta = cjson.decode(raw[j + 1])
    else
      local r = cjson.decode(raw[j + 1])
      r.e = raw[j]
      if r.q == cjson.null then r.q = nil end
      cp.list[#cp.list + 1] = r
      cp.held[raw[j]] = true
    end
  end
  cp.stored = #cp.list
  complaints[id] = cp
  order[#order + 1] = id
  return cp
end

local applied, duplicates, late, redelivered, revised, judged = 0, 0, 0, 0, 0, 0
local lateEntries = {}
for _, ev in ipairs(events) do
  if ev.o <= storedOffset then
    redelivered = redelivered + 1
  else
    local cp = load(ev.c)
    if cp.held[ev.e] then
      judged = judged + 1
      duplicates = duplicates + 1
    elseif ev.t < ev.w - grace then
      late = late + 1
      lateEntries[#lateEntries + 1] = cjson.encode({ offset = ev.o, watermark = ev.w, event = ev.late })
    else
      judged = judged + 1
      local r = { e = ev.e, t = ev.t, y = ev.y, q = ev.q, due = ev.due, m = ev.m, sv = ev.sv, cat = ev.cat, ch = ev.ch, out = ev.out }
      cp.list[#cp.list + 1] = r
      cp.held[ev.e] = true
      cp.writes[#cp.writes + 1] = ev.e
      cp.writes[#cp.writes + 1] = cjson.encode({ t = r.t, y = r.y, q = r.q, due = r.due, m = r.m, sv = r.sv, cat = r.cat, ch = r.ch, out = r.out })
    end
  end
end

local metas = {}
for _, id in ipairs(order) do
  local cp = complaints[id]
  if #cp.writes > 0 then
    local storedList = {}
    for j = 1, cp.stored do storedList[j] = cp.list[j] end
    local before, stateBefore = judge(storedList)
    local after, state = judge(cp.list)
    for j = 1, cp.stored do
      if before[cp.list[j].e] ~= after[cp.list[j].e] then revised = revised + 1 end
    end
    for j = cp.stored + 1, #cp.list do
      if after[cp.list[j].e] == 'applied' then applied = applied + 1 else duplicates = duplicates + 1 end
    end
    countState(stateBefore, -1)
    countState(state, 1)
    local f = state.filing
    local meta = nil
    if f then
      meta = { queueId = f.q or cjson.null, severity = f.sv, category = f.cat, channel = f.ch, filedAt = f.t, dueAt = f.due,
               respondedAt = state.response and state.response.t or cjson.null, closedAt = state.closing and state.closing.t or cjson.null }
      if f.q then needed[openKey(f.q)] = true; needed[dueKey(f.q)] = true end
    end
    if cp.meta and cp.meta.queueId ~= cjson.null then needed[openKey(cp.meta.queueId)] = true; needed[dueKey(cp.meta.queueId)] = true end
    needed[openKey(nil)] = true; needed[dueKey(nil)] = true
    metas[id] = meta or false
  end
end

local undeclared = undeclaredReply(needed, declared)
if undeclared then return undeclared end

writeSums(sums, ttls)
local setsTouched = {}
for _, id in ipairs(order) do
  local cp = complaints[id]
  if #cp.writes > 0 then
    local meta = metas[id]
    if meta then table.insert(cp.writes, 'meta'); table.insert(cp.writes, cjson.encode(meta)) end
    rcall('HSET', cp.key, unpack(cp.writes))
    rcall('EXPIRE', cp.key, intervalTtl)
    -- The open and due sets follow the judged state, wherever the stored one had the complaint.
    if cp.meta and cp.meta.queueId ~= cjson.null then
      rcall('ZREM', openKey(cp.meta.queueId), id); rcall('ZREM', dueKey(cp.meta.queueId), id)
    end
    rcall('ZREM', openKey(nil), id); rcall('ZREM', dueKey(nil), id)
    if meta and meta.closedAt == cjson.null then
      local q = meta.queueId ~= cjson.null and meta.queueId or nil
      local scopes = { false }
      if q then scopes[2] = q end
      for _, s in ipairs(scopes) do
        local sq = s or nil
        rcall('ZADD', openKey(sq), meta.filedAt, id); setsTouched[openKey(sq)] = true
        if meta.respondedAt == cjson.null then rcall('ZADD', dueKey(sq), meta.dueAt, id); setsTouched[dueKey(sq)] = true end
      end
    end
  end
end
for key in pairs(setsTouched) do rcall('EXPIRE', key, intervalTtl) end
for j = 1, #lateEntries, 100 do rcall('RPUSH', lateKey, unpack(lateEntries, j, math.min(j + 99, #lateEntries))) end

writePartitionOffset(offsetsKey, field, batchLast, batchWatermark, storedOffset, storedWatermark)

return { applied, duplicates, 0, late, redelivered, revised, judged, rcall('LLEN', lateKey), math.max(storedOffset, batchLast) }
