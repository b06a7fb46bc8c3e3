--[[
  Applies the events of one Kafka partition batch that belong to ONE queue, atomically, in that
  queue's hash slot (DESIGN §5 "Redis Cluster"; docs/decisions/0007-one-slot-per-call.md). The
  applied offset of (group, topic, partition) is stored beside the queue's counters, so a
  redelivered offset is skipped per queue, and a write lost in a failover takes its offset with it.

  Every key this script touches is in KEYS (all carry the queue's tag {tenant:queue}):
    KEYS[1] offsets hash       field per group:topic:partition = "<last applied offset>:<watermark>"
    KEYS[2] late list          late events of this queue from this partition, for cc.late.v1
    KEYS[3] stats hash         anomalies, duplicates, late
    KEYS[4] waiting zset       inbound visits only
    KEYS[5] contact outbox     facts for repeat-contact FCR (decision 0010 §5), drained by the store
    KEYS[6..] every visit hash (and survey hash) of the batch's calls and every bucket hash the caller knows the
              call may write (the buckets of the batch's event times). A re-judged earlier event
              of a visit may need a bucket the caller could not know: then nothing is written and
              the script returns { -2, key, key, ... }; the caller calls again with them declared.

    ARGV[1] offsets field       group:topic:partition
    ARGV[2] graceMs             an event older than its partition watermark - grace is late
    ARGV[3] fine bucket TTL, s  ARGV[4] interval bucket TTL, s (stats too)  ARGV[5] visit TTL, s
    ARGV[6] JSON array of this queue's events, in offset order, each
            { o = offset, t = occurredAt ms, w = the partition watermark before this offset
              (the running max of occurredAt over the partition, computed by the caller),
              late = the event's JSON, only when t < w - grace,
              y = the type's code (o inbound offer, p outbound offer, a answered, b abandoned,
                f flowed_out, c completed, s survey.completed),
              e = eventId, c = callId (surveyId for a survey), s = 1 for a survey (visit key s:<id>),
              d = { idx, value, ... } the inbound contribution, x = the outbound one,
              k = the callerKey of an inbound offer (absent otherwise) }
    ARGV[7] the batch's last offset     ARGV[8] the partition watermark after the batch
    ARGV[9] index of the counter merged by max (maxWaitMs)
    ARGV[10] most distinct events one visit remembers
    ARGV[11..13] fine group, fine bucket and interval bucket sizes, ms
    ARGV[14..15] fine and interval key tags   ARGV[16] the queue's key prefix (bucket-keys.ts)
    ARGV[17] the applied offset the caller expects stored here ('' when it has none): what this
             queue held after the caller's last call, or what it read at resume

  Output: { applied, duplicates, anomalies, late, redelivered, revised, judged, lateListLength, heldOffset, outboxLength, newestApplied, outbox },
          heldOffset being the applied offset stored after the call, outboxLength the contact facts
          waiting in KEYS[5], newestApplied the newest occurredAt of a call event the call applied
          (-1: none), for the tenant's event clock, outbox its first 1000 facts,
          { -3, storedOffset, storedWatermark } with nothing written when the stored offset is not
          the one the caller expects (a failover lost writes, or another instance applied since:
          the caller replays from there, decision 0007 "Failover"),
          { -1, storedWatermark } with nothing written when the caller's watermark is behind the
          one stored for this partition (another instance moved it), or
          { -2, key, ... } with nothing written when those bucket keys must be declared.

  Nothing is written until every decision is made: visits are read once into Lua tables, and
  counters, stats, visit fields, the waiting set and the late list are written at the end.
]]
local rcall = redis.call
local declared = {}
for _, k in ipairs(KEYS) do declared[k] = true end
local offsetsKey, lateKey, statsKey, waitingKey, outboxKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

local field = ARGV[1]
local grace = tonumber(ARGV[2])
local fineTtl, intervalTtl, visitTtl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local events = cjson.decode(ARGV[6])
local batchLast, batchWatermark = tonumber(ARGV[7]), tonumber(ARGV[8])
local MAX_IDX = tonumber(ARGV[9])
local maxVisitEvents = tonumber(ARGV[10])
local FINE_GROUP, FINE_BUCKET, INTERVAL = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local FINE_TAG, INTERVAL_TAG = ARGV[14], ARGV[15]
local prefix = ARGV[16]
local expected = ARGV[17]

-- @include partition-offset.lua
-- @include bucket-writes.lua
local storedOffset, storedWatermark, refusal = readPartitionOffset(offsetsKey, field, expected, events)
if refusal then return refusal end

local LAYOUT = { group = FINE_GROUP, bucket = FINE_BUCKET, interval = INTERVAL, fineTag = FINE_TAG, intervalTag = INTERVAL_TAG }
local function bucketsOf(t) return bucketsAt(prefix, t, LAYOUT) end

local sums, maxes, ttls = {}, {}, {}
local statDelta = { late = 0, duplicates = 0, anomalies = 0 }
local lateEntries = {}

local add = counterAdder(sums, ttls)

local function max(key, f, value, ttl)
  ttls[key] = ttl
  local t = maxes[key]
  if not t then t = {}; maxes[key] = t end
  if not t[f] or value > t[f] then t[f] = value end
end

local STAT_FIELD = { duplicate = 'duplicates', anomaly = 'anomalies' }

-- A visit hash holds one field per distinct eventId: "<ms><type code><inbound>|<outbound>|<callerKey>",
-- each contribution "<idx>,<value>,..." (decisions 0006, 0010 §2). A record without '|' (written
-- before outbound existed) is inbound.
local visits = {}
local visitOrder = {}
local function numbers(part)
  local d = {}
  for n in string.gmatch(part, '[^,]+') do d[#d + 1] = tonumber(n) end
  return d
end
local function loadVisit(id, survey)
  local key = prefix .. (survey and 's:' or 'v:') .. id
  local v = visits[key]
  if v then return v end
  -- The caller declares the visit of every call in the batch; nothing is written yet.
  if not declared[key] then error('undeclared visit key ' .. key) end
  local raw = rcall('HGETALL', key)
  v = { key = key, id = id, survey = survey, list = {}, held = {}, writes = {}, n = 0 }
  for j = 1, #raw, 2 do
    local ms, code, rest = string.match(raw[j + 1], '^(%-?%d+)(%a)(.*)$')
    local dPart, xPart, k = string.match(rest, '^([^|]*)|([^|]*)|(.*)$')
    if not dPart then dPart, xPart = rest, '' end
    if k == '' then k = nil end
    v.list[#v.list + 1] = { e = raw[j], t = tonumber(ms), y = code, d = numbers(dPart), x = numbers(xPart), k = k }
    v.held[raw[j]] = true
  end
  visits[key] = v
  visitOrder[#visitOrder + 1] = key
  return v
end

-- The state machine of packages/kpi/src/visit-state.ts over the visit's distinct events in
-- (occurredAt, eventId) order, like resolveVisit. Returns eventId -> verdict, the applied offer's
-- time when an inbound call still waits (false otherwise), whether the visit is outbound (its
-- applied offer is 'p'), and its contact ("<t>:<callerKey>:<handled>", decision 0010 §5) or false.
-- A survey hash holds only 's' records: the first is applied, the others are duplicates.
local function judgeVisit(list)
  local order = timeOrder(list)
  local verdicts = {}
  local offeredAt, offer, outcome, completed, surveyed
  for _, j in ipairs(order) do
    local r = list[j]
    local verdict
    if r.y == 'o' or r.y == 'p' then
      if offeredAt then verdict = 'duplicate' else offeredAt = r.t; offer = r; verdict = 'applied' end
    elseif r.y == 's' then
      if surveyed then verdict = 'duplicate' else surveyed = true; verdict = 'applied' end
    elseif r.y == 'c' then
      if completed then verdict = 'duplicate'
      elseif outcome and outcome ~= 'a' then verdict = 'anomaly'
      else completed = true; verdict = 'applied' end
    else
      if outcome then
        if outcome == r.y then verdict = 'duplicate' else verdict = 'anomaly' end
      elseif completed and r.y ~= 'a' then verdict = 'anomaly'
      else outcome = r.y; verdict = 'applied' end
    end
    verdicts[r.e] = verdict
  end
  local outbound = offer ~= nil and offer.y == 'p'
  local contact = false
  if offer and not outbound and offer.k then
    contact = string.format('%d', offer.t) .. ':' .. offer.k .. ':' .. (outcome == 'a' and '1' or '0')
  end
  if offeredAt and not outbound and not outcome and not completed then return verdicts, offeredAt, outbound, contact end
  return verdicts, false, outbound, contact
end

-- Adds (1) or takes back (-1) an event's summed counters of one direction; maxWaitMs is never
-- taken back (0006).
local newestApplied = -1
local function contribute(r, sign, outbound)
  -- The tenant's event clock (decision 0010 §5): the newest call event applied, a max.
  if sign > 0 and r.y ~= 's' and r.t > newestApplied then newestApplied = r.t end
  local d = outbound and r.x or r.d
  local fine, slot, interval = bucketsOf(r.t)
  for j = 1, #d, 2 do
    local idx, value = d[j], d[j + 1]
    if idx ~= MAX_IDX then
      add(fine, slot .. ':' .. idx, sign * value, fineTtl)
      add(interval, tostring(idx), sign * value, intervalTtl)
    end
  end
end

local function judgeCall(ev, v)
  if #v.list >= maxVisitEvents then
    statDelta.anomalies = statDelta.anomalies + 1
    return 'anomaly', 0
  end
  local before, waitingBefore, outBefore, contactBefore = judgeVisit(v.list)
  -- Whether the call waited as stored: only then can the waiting set hold it (see the writes
  -- below); and its contact as stored, to tell the tenant only of a change.
  if v.storedWaiting == nil then
    v.storedWaiting = waitingBefore ~= false
    v.storedContact = contactBefore
  end
  local x = ev.x or {}
  local new = { e = ev.e, t = ev.t, y = ev.y, d = ev.d, x = x, k = ev.k }
  v.list[#v.list + 1] = new
  local after, waitingSince, outAfter, contactAfter = judgeVisit(v.list)
  local revised = 0
  for j = 1, #v.list - 1 do
    local r = v.list[j]
    local was, becomes = before[r.e], after[r.e]
    if was ~= becomes then
      revised = revised + 1
      if was == 'applied' then contribute(r, -1, outBefore) else statDelta[STAT_FIELD[was]] = statDelta[STAT_FIELD[was]] - 1 end
      if becomes == 'applied' then contribute(r, 1, outAfter) else statDelta[STAT_FIELD[becomes]] = statDelta[STAT_FIELD[becomes]] + 1 end
    elseif was == 'applied' and outBefore ~= outAfter then
      -- The direction changed (decision 0010 §2): the contribution moves, like a changed verdict.
      revised = revised + 1
      contribute(r, -1, outBefore)
      contribute(r, 1, outAfter)
    end
  end
  local verdict = after[ev.e]
  if verdict == 'applied' then contribute(new, 1, outAfter) else statDelta[STAT_FIELD[verdict]] = statDelta[STAT_FIELD[verdict]] + 1 end
  -- maxWaitMs: the largest wait of any distinct outcome, of either direction (decision 0010 §2).
  local d = ev.d
  for pass = 1, 2 do
    for j = 1, #d, 2 do
      if d[j] == MAX_IDX then
        local fine, slot, interval = bucketsOf(ev.t)
        max(fine, slot .. ':' .. MAX_IDX, d[j + 1], fineTtl)
        max(interval, tostring(MAX_IDX), d[j + 1], intervalTtl)
      end
    end
    d = x
  end
  local parts, xParts = {}, {}
  for j = 1, #ev.d do parts[j] = string.format('%d', ev.d[j]) end
  for j = 1, #x do xParts[j] = string.format('%d', x[j]) end
  v.writes[#v.writes + 1] = ev.e
  v.writes[#v.writes + 1] = string.format('%d', ev.t) .. new.y .. table.concat(parts, ',') .. '|' .. table.concat(xParts, ',') .. '|' .. (ev.k or '')
  v.held[ev.e] = true
  v.waiting = waitingSince
  v.contact = contactAfter
  return verdict, revised
end

local applied, duplicates, anomalies, late, redelivered, revised, judged = 0, 0, 0, 0, 0, 0, 0
for _, ev in ipairs(events) do
  if ev.o <= storedOffset then
    redelivered = redelivered + 1
  else
    local v = loadVisit(ev.c, ev.s == 1)
    -- Dedupe before lateness: visit state outlives grace (decision 0006, packages/kpi splitLate).
    local held = v.held[ev.e]
    if not held and ev.t < ev.w - grace then
      late = late + 1
      statDelta.late = statDelta.late + 1
      lateEntries[#lateEntries + 1] = cjson.encode({ offset = ev.o, watermark = ev.w, event = ev.late })
    else
      judged = judged + 1
      local verdict
      if held then
        verdict = 'duplicate'
        statDelta.duplicates = statDelta.duplicates + 1
      else
        local changed
        verdict, changed = judgeCall(ev, v)
        revised = revised + changed
      end
      if verdict == 'applied' then applied = applied + 1
      elseif verdict == 'duplicate' then duplicates = duplicates + 1
      else anomalies = anomalies + 1 end
    end
  end
end

-- Every bucket a decision above needs must be declared before anything is written.
local undeclared = undeclaredReply(ttls, declared)
if undeclared then return undeclared end

writeSums(sums, {})
for key, fields in pairs(maxes) do
  for f, value in pairs(fields) do
    local current = tonumber(rcall('HGET', key, f) or '-1')
    if value > current then rcall('HSET', key, f, value) end
  end
end
for key, ttl in pairs(ttls) do rcall('EXPIRE', key, ttl) end
local waitingAdded = false
local facts = {}
for _, visitKey in ipairs(visitOrder) do
  local v = visits[visitKey]
  local callId = v.id
  if #v.writes > 0 then
    rcall('HSET', v.key, unpack(v.writes))
    rcall('EXPIRE', v.key, visitTtl)
    -- Live queue state follows the verdicts, so it too ends the same under any order.
    if v.waiting then
      rcall('ZADD', waitingKey, v.waiting, callId)
      waitingAdded = true
    elseif v.storedWaiting then
      -- The waiting set holds a call exactly while its stored visit waits (this script writes both).
      rcall('ZREM', waitingKey, callId)
    end
    -- A contact fact when the visit's contact changed (decision 0010 §5): the store drains them.
    if not v.survey and v.contact ~= v.storedContact then
      local fact = { c = callId }
      if v.contact then
        local t, k, h = string.match(v.contact, '^(%-?%d+):(.*):(%d)$')
        fact.t, fact.k, fact.h = tonumber(t), k, tonumber(h)
      end
      if v.storedContact then fact.pk = string.match(v.storedContact, '^%-?%d+:(.*):%d$') end
      facts[#facts + 1] = cjson.encode(fact)
    end
  end
end
for j = 1, #facts, 100 do rcall('RPUSH', outboxKey, unpack(facts, j, math.min(j + 99, #facts))) end
-- Kept like the stats when no aggregator drains it; a drain trims it.
if #facts > 0 then rcall('EXPIRE', outboxKey, intervalTtl) end
-- Once per call, not per waiting visit: the same TTL from the same instant (issue 9 item 5).
if waitingAdded then rcall('EXPIRE', waitingKey, visitTtl) end
local statsWritten = false
for f, by in pairs(statDelta) do
  if by ~= 0 then rcall('HINCRBY', statsKey, f, by); statsWritten = true end
end
if statsWritten then rcall('EXPIRE', statsKey, intervalTtl) end
for j = 1, #lateEntries, 100 do rcall('RPUSH', lateKey, unpack(lateEntries, j, math.min(j + 99, #lateEntries))) end

writePartitionOffset(offsetsKey, field, batchLast, batchWatermark, storedOffset, storedWatermark)

-- The waiting facts travel with the reply (at most MAX_DRAIN_FACTS of store.ts): the store drains
-- them without reading the outbox again.
local outboxLength = rcall('LLEN', outboxKey)
local outbox = {}
if outboxLength > 0 then outbox = rcall('LRANGE', outboxKey, 0, 999) end
return { applied, duplicates, anomalies, late, redelivered, revised, judged, rcall('LLEN', lateKey), math.max(storedOffset, batchLast), outboxLength, newestApplied, outbox }
