--[[
  Applies one Kafka partition batch of canonical events to the KPI store, atomically
  (DESIGN §5 "exactly-once effect"). The batch's offsets and the partition watermark
  are stored by the same call, so a redelivered offset is skipped.

  Input:
    KEYS[1] partition state hash   (fields: offset, watermark)
    KEYS[2] late outbox list       (late events waiting for cc.late.v1)

    ARGV[1] graceMs                 events older than watermark - grace are late
    ARGV[2] fine bucket TTL, s      retention from the last write
    ARGV[3] interval bucket TTL, s
    ARGV[4] visit TTL, s            how long per-visit state (dedupe, verdicts) is kept
    ARGV[5] now, wall-clock ms      scores the active-queue index
    ARGV[6] active-queue index key
    ARGV[7] JSON array of events, in offset order. Each is
      { o = offset, t = occurredAt ms, late = the event's JSON (only where the caller predicts it late), and either
        call:  k = "c", y = type, e = eventId, p = queue key prefix, c = callId, q = "tenant:queue",
               d = { idx, value, idx, value, ... } the counter contribution
        agent: k = "a", e = eventId, a = tenant agents key, g = agentId,
               v = the value to store, JSON array of occurredAtMs, eventId, state, queueIds }
    ARGV[8] the batch's last offset, valid or not: records the consumer sent to the DLQ count as done
    ARGV[9] index of the one counter merged by max (maxWaitMs); every other one is a sum
    ARGV[10] most distinct events one visit remembers (memory bound, docs/redis-keys.md)
    ARGV[11..13] fine group, fine bucket and interval bucket sizes, ms
    ARGV[14..15] fine and interval key tags: a bucket key is p .. tag .. start ms (bucket-keys.ts)

  Output: { applied, duplicates, anomalies, late, redelivered, lastOffset, watermark, revised }, or
          { -1, watermark } with nothing written when an event is late but came without its JSON:
          the caller's prediction was stale, and it calls again with every event's JSON.
          applied / duplicates / anomalies are the verdicts of this batch's events as they arrived;
          revised counts earlier events whose verdict an arrival changed (decision 0006).

  Counter fields in bucket hashes are the indexes of COUNT_FIELDS (packages/kpi);
  fine hashes hold six 10 s buckets as "<slot>:<idx>".

  A visit hash (p .. "v:" .. callId) has one field per distinct eventId of the visit, holding what
  is needed to judge the visit again and to add or take back the event's contribution:
  occurredAtMs, a one-letter type code and d, as "<ms><code><idx>,<value>,...". Every part is a
  number or a code this script writes (the eventId is the field name, never part of the value), so
  the value parses unambiguously; and it stays short, so the hash keeps Redis' compact listpack
  encoding (values up to 64 bytes). The buckets follow from the time. docs/redis-keys.md has the
  measured size.
]]
local rcall = redis.call
local MAX_IDX = tonumber(ARGV[9])

local grace = tonumber(ARGV[1])
local fineTtl = tonumber(ARGV[2])
local intervalTtl = tonumber(ARGV[3])
local visitTtl = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
local activeKey = ARGV[6]
local events = cjson.decode(ARGV[7])
local batchLast = tonumber(ARGV[8])
local maxVisitEvents = tonumber(ARGV[10])
local FINE_GROUP, FINE_BUCKET, INTERVAL = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local FINE_TAG, INTERVAL_TAG = ARGV[14], ARGV[15]

-- The fine hash key, slot and interval hash key of an event at time t (bucket-keys.ts builds the same).
local function bucketsOf(prefix, t)
  local group = t - (t % FINE_GROUP)
  local slot = math.floor((t - group) / FINE_BUCKET)
  return prefix .. FINE_TAG .. string.format('%d', group), slot, prefix .. INTERVAL_TAG .. string.format('%d', t - (t % INTERVAL))
end

local state = rcall('HMGET', KEYS[1], 'offset', 'watermark')
local storedOffset = tonumber(state[1] or '-1')
local watermark = tonumber(state[2] or '0')

-- The late copy is the bulk of the argument, so callers send it only for events they predict late.
-- Check the prediction before writing anything, with exactly the lateness rule of the main loop.
do
  local wm = watermark
  for _, ev in ipairs(events) do
    if ev.o > storedOffset then
      if ev.t < wm - grace then
        if not ev.late then return { -1, watermark } end
      elseif ev.t > wm then
        wm = ev.t
      end
    end
  end
end

local applied, duplicates, anomalies, late, redelivered, revised = 0, 0, 0, 0, 0, 0
local lastOffset = storedOffset

-- Contributions are summed per bucket field in Lua first, then written once per field.
local sums = {}      -- key -> field -> value
local maxes = {}     -- key -> field -> value
local ttls = {}      -- key -> ttl
local active = {}    -- "tenant:queue" -> true

local function add(key, field, value, ttl)
  ttls[key] = ttl
  local t = sums[key]
  if not t then t = {}; sums[key] = t end
  t[field] = (t[field] or 0) + value
end

local function max(key, field, value, ttl)
  ttls[key] = ttl
  local t = maxes[key]
  if not t then t = {}; maxes[key] = t end
  if not t[field] or value > t[field] then t[field] = value end
end

local function stat(prefix, field, by)
  rcall('HINCRBY', prefix .. 'stats', field, by or 1)
  rcall('EXPIRE', prefix .. 'stats', intervalTtl)
end

-- Byte order of two strings (UTF-8 bytes, so code-point order). Lua's `<` on strings uses strcoll,
-- which follows the server's locale; eventId order must not.
local function bytesLess(a, b)
  local n = math.min(#a, #b)
  for j = 1, n do
    local x, y = string.byte(a, j), string.byte(b, j)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- The stored agent value is the JSON array [occurredAtMs, eventId, state, queueIds] built by the
-- caller, so an eventId may hold any character. Values written before that change were
-- "occurredAtMs|eventId|state|q1,q2"; state and queue ids never hold "|", so they parse from both ends.
local function agentStamp(value)
  if string.sub(value, 1, 1) == '[' then
    local decoded = cjson.decode(value)
    return decoded[1], decoded[2]
  end
  local ts, id = string.match(value, '^(%d+)|(.*)|[^|]*|[^|]*$')
  return tonumber(ts) or 0, id or ''
end

local function applyAgent(ev)
  -- Last writer by event time wins (ties by eventId), so reordering and duplicates are harmless.
  local current = rcall('HGET', ev.a, ev.g)
  if current then
    local ts, id = agentStamp(current)
    if ts > ev.t or (ts == ev.t and not bytesLess(id, ev.e)) then return 'duplicate' end
  end
  rcall('HSET', ev.a, ev.g, ev.v)
  rcall('EXPIRE', ev.a, intervalTtl)
  return 'applied'
end

local TYPE_CODE = { ['call.offered'] = 'o', ['call.answered'] = 'a', ['call.abandoned'] = 'b', ['call.flowed_out'] = 'f', ['call.completed'] = 'c' }
local STAT_FIELD = { duplicate = 'duplicates', anomaly = 'anomalies' }

-- The per-visit state machine of packages/kpi/src/visit-state.ts (applyToVisit), run over the
-- visit's distinct events in (occurredAt, eventId) order like resolveVisit (decision 0006).
-- Returns eventId -> verdict, and the applied offer's time when the call still waits.
local function judgeVisit(list)
  local order = {}
  for j = 1, #list do order[j] = j end
  table.sort(order, function(x, y)
    local a, b = list[x], list[y]
    if a.t ~= b.t then return a.t < b.t end
    return bytesLess(a.e, b.e)
  end)
  local verdicts = {}
  local offeredAt, outcome, completed
  for _, j in ipairs(order) do
    local r = list[j]
    local verdict
    if r.y == 'o' then
      if offeredAt then verdict = 'duplicate' else offeredAt = r.t; verdict = 'applied' end
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
  if offeredAt and not outcome and not completed then return verdicts, offeredAt end
  return verdicts, nil
end

-- Adds (sign 1) or takes back (sign -1) a remembered event's summed counters. maxWaitMs is never
-- taken back: it counts every distinct outcome event whatever its verdict (decision 0006).
local function contribute(prefix, r, sign)
  local d = r.d
  local fine, slot, interval = bucketsOf(prefix, r.t)
  for j = 1, #d, 2 do
    local idx, value = d[j], d[j + 1]
    if idx ~= MAX_IDX then
      add(fine, slot .. ':' .. idx, sign * value, fineTtl)
      add(interval, tostring(idx), sign * value, intervalTtl)
    end
  end
end

-- Judges the visit again with a new distinct event in it, and moves counters and stats from the
-- old verdicts to the new ones. Returns the new event's verdict and how many others changed.
local function judgeCall(ev, vkey)
  local raw = rcall('HGETALL', vkey)
  if #raw / 2 >= maxVisitEvents then
    -- A visit this busy is broken at its source; refuse to grow it (docs/redis-keys.md).
    stat(ev.p, 'anomalies')
    return 'anomaly', 0
  end
  local list = {}
  for j = 1, #raw, 2 do
    local ms, code, rest = string.match(raw[j + 1], '^(%-?%d+)(%a)(.*)$')
    local d = {}
    for n in string.gmatch(rest, '[^,]+') do d[#d + 1] = tonumber(n) end
    list[#list + 1] = { e = raw[j], t = tonumber(ms), y = code, d = d }
  end
  local before = judgeVisit(list)
  local new = { e = ev.e, t = ev.t, y = TYPE_CODE[ev.y], d = ev.d }
  list[#list + 1] = new
  local after, waitingSince = judgeVisit(list)

  local revised = 0
  for j = 1, #list - 1 do
    local r = list[j]
    local was, becomes = before[r.e], after[r.e]
    if was ~= becomes then
      revised = revised + 1
      if was == 'applied' then contribute(ev.p, r, -1) else stat(ev.p, STAT_FIELD[was], -1) end
      if becomes == 'applied' then contribute(ev.p, r, 1) else stat(ev.p, STAT_FIELD[becomes], 1) end
    end
  end
  local verdict = after[ev.e]
  if verdict == 'applied' then contribute(ev.p, new, 1) else stat(ev.p, STAT_FIELD[verdict], 1) end
  local d = ev.d
  for j = 1, #d, 2 do
    if d[j] == MAX_IDX then
      local fine, slot, interval = bucketsOf(ev.p, ev.t)
      max(fine, slot .. ':' .. MAX_IDX, d[j + 1], fineTtl)
      max(interval, tostring(MAX_IDX), d[j + 1], intervalTtl)
    end
  end

  local parts = {}
  for j = 1, #d do parts[j] = string.format('%d', d[j]) end
  rcall('HSET', vkey, ev.e, string.format('%d', ev.t) .. new.y .. table.concat(parts, ','))
  rcall('EXPIRE', vkey, visitTtl)
  -- Live queue state follows the verdicts, so it too ends the same under any order.
  if waitingSince then
    rcall('ZADD', ev.p .. 'waiting', waitingSince, ev.c)
    rcall('EXPIRE', ev.p .. 'waiting', visitTtl)
  else
    rcall('ZREM', ev.p .. 'waiting', ev.c)
  end
  return verdict, revised
end

for _, ev in ipairs(events) do
  if ev.o <= storedOffset then
    redelivered = redelivered + 1
  else
    lastOffset = ev.o
    -- Dedupe comes before lateness: visit state outlives grace, so a late copy of an event the
    -- visit holds is known to be a duplicate (issue 8 item 8b; packages/kpi splitLate).
    local vkey, held
    if ev.k == 'c' then
      vkey = ev.p .. 'v:' .. ev.c
      held = rcall('HEXISTS', vkey, ev.e) == 1
    end
    if not held and ev.t < watermark - grace then
      late = late + 1
      rcall('RPUSH', KEYS[2], cjson.encode({ offset = ev.o, watermark = watermark, event = ev.late }))
      if ev.k == 'c' then stat(ev.p, 'late') end
    else
      if ev.t > watermark then watermark = ev.t end
      local verdict
      if ev.k == 'a' then
        verdict = applyAgent(ev)
      else
        active[ev.q] = true
        if held then
          verdict = 'duplicate'
          stat(ev.p, 'duplicates')
        else
          local changed
          verdict, changed = judgeCall(ev, vkey)
          revised = revised + changed
        end
      end
      if verdict == 'applied' then applied = applied + 1
      elseif verdict == 'duplicate' then duplicates = duplicates + 1
      else anomalies = anomalies + 1 end
    end
  end
end

for key, fields in pairs(sums) do
  for field, value in pairs(fields) do
    if value ~= 0 then rcall('HINCRBY', key, field, value) end
  end
end
for key, fields in pairs(maxes) do
  for field, value in pairs(fields) do
    local current = tonumber(rcall('HGET', key, field) or '-1')
    if value > current then rcall('HSET', key, field, value) end
  end
end
for key, ttl in pairs(ttls) do
  rcall('EXPIRE', key, ttl)
end
for member in pairs(active) do
  rcall('ZADD', activeKey, now, member)
end

if batchLast > lastOffset then lastOffset = batchLast end
if lastOffset > storedOffset then
  rcall('HSET', KEYS[1], 'offset', lastOffset, 'watermark', watermark)
else
  lastOffset = storedOffset
end

return { applied, duplicates, anomalies, late, redelivered, lastOffset, watermark, revised }
