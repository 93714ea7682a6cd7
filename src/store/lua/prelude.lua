-- Shared by every script that publishes or reads events: how events and
-- summaries become JSON. Live frames and history are built by the same
-- functions, so they cannot drift apart. Prepended at build time.
local function now_ms() local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000) end
local function fields_of(a) local f = {} for i = 1, #a, 2 do f[a[i]] = a[i + 1] end return f end
local OWNF = {id = 1, ticket = 1, kind = 1, channel = 1, author = 1, ts = 1, text = 1,
  client_id = 1, delivery = 1}
local function ev_obj(ref, id, f)
  local e = {id = id, ticket = ref, kind = f.k, channel = f.ch,
    author = {role = f.ar, id = f.ai or '', name = f.an or ''}, ts = tonumber(string.match(id, '^(%d+)'))}
  if f.tx and f.tx ~= '' then e.text = f.tx end
  if f.ci and f.ci ~= '' then e.client_id = f.ci end
  if f.x and f.x ~= '' then
    local ok, extra = pcall(cjson.decode, f.x)
    -- provider data adds fields; it never names the event's own (an inbound
    -- WhatsApp type called "kind", "author" or "id" must not forge them)
    if ok and type(extra) == 'table' then
      for k, v in pairs(extra) do
        if e[k] == nil and not OWNF[k] then e[k] = v end
      end
    end
  end
  return e
end
local NUMF = {created_at = 1, updated_at = 1, first_response_at = 1, resolved_at = 1,
  waiting_since = 1, messages = 1, channel_switches = 1, closed_at = 1, follow_up_at = 1,
  holds = 1, hold_failures = 1, sla_fr_due = 1, sla_res_due = 1, sla_paused_at = 1,
  sla_fr_warned = 1, sla_res_warned = 1, sla_fr_breached_at = 1, sla_res_breached_at = 1,
  wa_window_until = 1}
local STRF = {'ref', 'status', 'customer', 'name', 'locale', 'channel', 'last_channel',
  'assignee', 'team', 'last_text', 'last_role', 'notify', 'tags'}
local function summary(t)
  local h = fields_of(redis.call('HGETALL', t))
  if not h.ref then return nil end
  local s = {}
  for _, k in ipairs(STRF) do s[k] = h[k] or '' end
  for k, _ in pairs(NUMF) do s[k] = tonumber(h[k] or '0') or 0 end
  return s
end
local function preview(s)
  if #s <= 140 then return s end
  s = string.sub(s, 1, 140)
  s = string.gsub(s, '[\192-\255][\128-\191]*$', '')
  return s .. '…'
end
local pub = {}
local EVF = {'k', 'ch', 'ar', 'ai', 'an', 'tx', 'ci', 'x'}
-- The write's move in the active index (the queue), done only once the
-- write is: a refused write returns before it and leaves the index alone.
local function reindex(key, how, ref, now)
  if how == 'add' then redis.call('ZADD', key, 'NX', now, ref)
  elseif how == 'rem' then redis.call('ZREM', key, ref) end
end
local function add(skey, ref, vis, f)
  local args = {skey, '*'}
  for _, k in ipairs(EVF) do
    if f[k] and f[k] ~= '' then args[#args + 1] = k; args[#args + 1] = f[k] end
  end
  local id = redis.call('XADD', unpack(args))
  pub[#pub + 1] = 'E' .. vis .. id .. ' {"type":"event","event":' .. cjson.encode(ev_obj(ref, id, f)) .. '}'
  return id
end
local function publish(chan, ref, t)
  pub[#pub + 1] = 'T{"type":"ticket","ticket":' .. cjson.encode(summary(t)) .. '}'
  redis.call('PUBLISH', chan, ref .. '\n' .. table.concat(pub, '\n'))
end
local RANK = {queued = 1, sent = 2, delivered = 3, read = 4, failed = 5}
local function set_delivery(dlkey, ref, id, json)
  local d = cjson.decode(json)
  d.ticket = ref; d.event_id = id; d.type = 'delivery'
  d.updated_at = now_ms()
  local js = cjson.encode(d)
  redis.call('HSET', dlkey, id, js)
  pub[#pub + 1] = 'D' .. js
end
local function status_ev(skey, ref, from, to, ai, an, reason)
  local x = {status = to, from = from}
  if reason then x.reason = reason end
  return add(skey, ref, 'p', {k = 'status', ch = 'system', ar = ai ~= '' and 'agent' or 'system',
    ai = ai, an = an ~= '' and an or 'Hilo', x = cjson.encode(x)})
end
