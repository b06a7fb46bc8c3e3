--[[
  fcrPending of one queue over [from, to) (docs/decisions/0010-service-quality-kpis.md §5): its
  handled contacts without a repeat whose offer time t is in the range and not final, t >= clock -
  window, the clock and window as apply-contacts.lua stored them.

    KEYS[1] the tenant's clock "<ms>:<window ms>"   KEYS[2] the queue's fcr-open
    ARGV[1] from, ms   ARGV[2] to (exclusive), ms
]]
local c, w = string.match(redis.call('GET', KEYS[1]) or '', '^(%-?%d+):(%-?%d+)$')
if not c then return 0 end
local lower = math.max(tonumber(ARGV[1]), tonumber(c) - tonumber(w))
local to = tonumber(ARGV[2])
if lower >= to then return 0 end
return redis.call('ZCOUNT', KEYS[2], string.format('%d', lower), '(' .. string.format('%d', to))
