--[[
  Saves evaluated alert states of one tenant, each only if nobody saved it since it was read
  (compare-and-set on a revision), and queues what must be published for each saved one, in the
  same call: several alerter instances never both fire one alert, and a crash never loses a
  transition that was saved. The outbox is the tenant's own, under the tenant's hash tag, so the
  call touches one slot (DESIGN §5); the dispatcher moves its entries to the {notify} slot
  (move-outbox-3.lua).

  Input:
    KEYS[1] the tenant's alert hash   (field <fp>: state JSON, rev:<fp>: revision, thr:<fp>: thresholds JSON)
    KEYS[2] the tenant's outbox list  (entries for cc.alerts.v1 and notifications, each with an id)
    ARGV    groups of five: fingerprint, expected revision ("0" when new), state JSON, outbox JSON ("" for
            none), thresholds JSON ("" to keep the stored ones)

  Output: the fingerprints that were NOT saved because the revision had moved on.
]]
local rcall = redis.call
local conflicts = {}
for i = 1, #ARGV, 5 do
  local fp, expected, state, outbox, thresholds = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  local rev = rcall('HGET', KEYS[1], 'rev:' .. fp) or '0'
  if rev ~= expected then
    conflicts[#conflicts + 1] = fp
  else
    rcall('HSET', KEYS[1], fp, state, 'rev:' .. fp, tostring(tonumber(rev) + 1))
    if thresholds ~= '' then rcall('HSET', KEYS[1], 'thr:' .. fp, thresholds) end
    if outbox ~= '' then rcall('RPUSH', KEYS[2], outbox) end
  end
end
return conflicts
