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
    ARGV[4] visit TTL, s            how long per-visit state (dedupe) is kept
    ARGV[5] now, wall-clock ms      scores the active-queue index
    ARGV[6] active-queue index key
    ARGV[7] JSON array of events, in offset order. Each is
      { o = offset, t = occurredAt ms, late = the event's JSON (only where the caller predicts it late), and either
        call:  k = "c", y = type, e = eventId, p = queue key prefix, c = callId, q = "tenant:queue",
               f = fine hash key, s = fine slot, i = interval hash key,
               d = { idx, value, idx, value, ... } the counter contribution,
               w = waiting since (ms, offers only)
        agent: k = "a", e = eventId, a = tenant agents key, g = agentId,
               v = the value to store, JSON array of occurredAtMs, eventId, state, queueIds }
    ARGV[8] the batch's last offset, valid or not: records the consumer sent to the DLQ count as done
    ARGV[9] index of the one counter merged by max (maxWaitMs); every other one is a sum

  Output: { applied, duplicates, anomalies, late, redelivered, lastOffset, watermark }, or
          { -1, watermark } with nothing written when an event is late but came without its JSON:
          the caller's prediction was stale, and it calls again with every event's JSON.

  Counter fields in bucket hashes are the indexes of COUNT_FIELDS (packages/kpi);
  fine hashes hold six 10 s buckets as "<slot>:<idx>".
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

local applied, duplicates, anomalies, late, redelivered = 0, 0, 0, 0, 0
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

local function stat(prefix, field)
  rcall('HINCRBY', prefix .. 'stats', field, 1)
  rcall('EXPIRE', prefix .. 'stats', intervalTtl)
end

-- The per-visit state machine; packages/kpi/src/visit-state.ts states the rules.
local function visitVerdict(ev)
  local vkey = ev.p .. 'v:' .. ev.c
  local v = rcall('HMGET', vkey, 'o', 'r', 'rt', 'c')
  local offered, outcome, outcomeType, completed = v[1], v[2], v[3], v[4]
  local id = ev.e
  if id == offered or id == outcome or id == completed then return 'duplicate' end
  local verdict
  if ev.y == 'call.offered' then
    if offered then return 'duplicate' end
    rcall('HSET', vkey, 'o', id)
    verdict = 'applied'
  elseif ev.y == 'call.completed' then
    if completed then return 'duplicate' end
    if outcome and outcomeType ~= 'call.answered' then return 'anomaly' end
    rcall('HSET', vkey, 'c', id)
    verdict = 'applied'
  else
    if outcome then
      if outcomeType == ev.y then return 'duplicate' end
      return 'anomaly'
    end
    if completed and ev.y ~= 'call.answered' then return 'anomaly' end
    rcall('HSET', vkey, 'r', id, 'rt', ev.y)
    verdict = 'applied'
  end
  rcall('EXPIRE', vkey, visitTtl)
  -- Live queue state: an offer waits until its outcome; an outcome that came first wins.
  if ev.y == 'call.offered' then
    if not outcome then
      rcall('ZADD', ev.p .. 'waiting', ev.w, ev.c)
      rcall('EXPIRE', ev.p .. 'waiting', visitTtl)
    end
  elseif ev.y ~= 'call.completed' then
    rcall('ZREM', ev.p .. 'waiting', ev.c)
  end
  return verdict
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

for _, ev in ipairs(events) do
  if ev.o <= storedOffset then
    redelivered = redelivered + 1
  else
    lastOffset = ev.o
    if ev.t < watermark - grace then
      late = late + 1
      rcall('RPUSH', KEYS[2], cjson.encode({ offset = ev.o, watermark = watermark, event = ev.late }))
      if ev.k == 'c' then stat(ev.p, 'late') end
    else
      if ev.t > watermark then watermark = ev.t end
      local verdict
      if ev.k == 'a' then
        verdict = applyAgent(ev)
      else
        verdict = visitVerdict(ev)
        active[ev.q] = true
        if verdict == 'applied' then
          local d = ev.d
          for j = 1, #d, 2 do
            local idx, value = d[j], d[j + 1]
            if idx == MAX_IDX then
              max(ev.f, ev.s .. ':' .. idx, value, fineTtl)
              max(ev.i, tostring(idx), value, intervalTtl)
            else
              add(ev.f, ev.s .. ':' .. idx, value, fineTtl)
              add(ev.i, tostring(idx), value, intervalTtl)
            end
          end
        elseif verdict == 'duplicate' then
          stat(ev.p, 'duplicates')
        else
          stat(ev.p, 'anomalies')
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

return { applied, duplicates, anomalies, late, redelivered, lastOffset, watermark }
