#include "hilo/scripts.h"

#include <string.h>

#include "hilo/log.h"

/* Shared by every script: how events and summaries become JSON. Live frames
 * and history are built by the same functions, so they cannot drift apart. */
#define PRELUDE \
"local function now_ms() local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000) end\n" \
"local function fields_of(a) local f = {} for i = 1, #a, 2 do f[a[i]] = a[i + 1] end return f end\n" \
"local function ev_obj(ref, id, f)\n" \
"  local e = {id = id, ticket = ref, kind = f.k, channel = f.ch,\n" \
"    author = {role = f.ar, id = f.ai or '', name = f.an or ''}, ts = tonumber(string.match(id, '^(%d+)'))}\n" \
"  if f.tx and f.tx ~= '' then e.text = f.tx end\n" \
"  if f.ci and f.ci ~= '' then e.client_id = f.ci end\n" \
"  if f.x and f.x ~= '' then\n" \
"    local ok, extra = pcall(cjson.decode, f.x)\n" \
"    if ok and type(extra) == 'table' then for k, v in pairs(extra) do e[k] = v end end\n" \
"  end\n" \
"  return e\n" \
"end\n" \
"local NUMF = {created_at = 1, updated_at = 1, first_response_at = 1, resolved_at = 1,\n" \
"  waiting_since = 1, messages = 1, channel_switches = 1, closed_at = 1, follow_up_at = 1}\n" \
"local STRF = {'ref', 'status', 'customer', 'name', 'locale', 'channel', 'last_channel',\n" \
"  'assignee', 'team', 'last_text', 'last_role'}\n" \
"local function summary(t)\n" \
"  local h = fields_of(redis.call('HGETALL', t))\n" \
"  if not h.ref then return nil end\n" \
"  local s = {}\n" \
"  for _, k in ipairs(STRF) do s[k] = h[k] or '' end\n" \
"  for k, _ in pairs(NUMF) do s[k] = tonumber(h[k] or '0') or 0 end\n" \
"  return s\n" \
"end\n" \
"local function preview(s)\n" \
"  if #s <= 140 then return s end\n" \
"  s = string.sub(s, 1, 140)\n" \
"  s = string.gsub(s, '[\\192-\\255][\\128-\\191]*$', '')\n" \
"  return s .. '…'\n" \
"end\n" \
"local pub = {}\n" \
"local EVF = {'k', 'ch', 'ar', 'ai', 'an', 'tx', 'ci', 'x'}\n" \
"local function add(skey, ref, vis, f)\n" \
"  local args = {skey, '*'}\n" \
"  for _, k in ipairs(EVF) do\n" \
"    if f[k] and f[k] ~= '' then args[#args + 1] = k; args[#args + 1] = f[k] end\n" \
"  end\n" \
"  local id = redis.call('XADD', unpack(args))\n" \
"  pub[#pub + 1] = 'E' .. vis .. id .. ' {\"type\":\"event\",\"event\":' .. cjson.encode(ev_obj(ref, id, f)) .. '}'\n" \
"  return id\n" \
"end\n" \
"local function publish(chan, ref, t)\n" \
"  pub[#pub + 1] = 'T{\"type\":\"ticket\",\"ticket\":' .. cjson.encode(summary(t)) .. '}'\n" \
"  redis.call('PUBLISH', chan, ref .. '\\n' .. table.concat(pub, '\\n'))\n" \
"end\n" \
"local RANK = {queued = 1, sent = 2, delivered = 3, read = 4, failed = 5}\n" \
"local function set_delivery(dlkey, ref, id, json)\n" \
"  local d = cjson.decode(json)\n" \
"  d.ticket = ref; d.event_id = id; d.type = 'delivery'\n" \
"  d.updated_at = now_ms()\n" \
"  local js = cjson.encode(d)\n" \
"  redis.call('HSET', dlkey, id, js)\n" \
"  pub[#pub + 1] = 'D' .. js\n" \
"end\n" \
"local function status_ev(skey, ref, from, to, ai, an, reason)\n" \
"  local x = {status = to, from = from}\n" \
"  if reason then x.reason = reason end\n" \
"  return add(skey, ref, 'p', {k = 'status', ch = 'system', ar = ai ~= '' and 'agent' or 'system',\n" \
"    ai = ai, an = an ~= '' and an or 'Hilo', x = cjson.encode(x)})\n" \
"end\n"

static const char *const sources[HILO_S_COUNT] = {
    [HILO_S_RESERVE] =
        "if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
        "if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end\n"
        "return 0\n",

    /* KEYS tk ev dd rsv dl
     * ARGV 1 chan 2 ref 3 customer 4 channel 5 name 6 text 7 dedupe key
     *      8 client_id 9 locale 10 ack text 11 eta minutes 12 message extra json
     *      13 ack delivery json ('' = none: the ack goes out on the web only)
     *      14 kind of the first event (message, or call for a phone call)
     *      15.. ticket field, value pairs (addresses of the channel) */
    [HILO_S_CREATE] = PRELUDE
        "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('HILO exists') end\n"
        "redis.call('DEL', KEYS[4])\n"
        "local now = now_ms()\n"
        "redis.call('HSET', KEYS[1], 'ref', ARGV[2], 'status', 'open', 'customer', ARGV[3],\n"
        "  'name', ARGV[5], 'locale', ARGV[9], 'channel', ARGV[4], 'last_channel', ARGV[4],\n"
        "  'created_at', now, 'updated_at', now, 'waiting_since', now, 'first_response_at', 0,\n"
        "  'resolved_at', 0, 'assignee', '', 'messages', 1, 'channel_switches', 0,\n"
        "  'last_text', preview(ARGV[6]), 'last_role', 'customer', 'team', '', 'follow_up_at', 0,\n"
        "  'mc:' .. ARGV[4], 1)\n"
        "local mid = add(KEYS[2], ARGV[2], 'p', {k = ARGV[14], ch = ARGV[4], ar = 'customer',\n"
        "  ai = ARGV[3], an = ARGV[5], tx = ARGV[6], ci = ARGV[8], x = ARGV[12]})\n"
        "if ARGV[8] ~= '' then redis.call('HSET', KEYS[3], ARGV[7], mid) end\n"
        "local aid = add(KEYS[2], ARGV[2], 'p', {k = 'ack', ch = 'system', ar = 'system', an = 'Hilo',\n"
        "  tx = ARGV[10], x = cjson.encode({eta_minutes = tonumber(ARGV[11])})})\n"
        "redis.call('HSET', KEYS[3], 'ack', aid)\n"
        "if #ARGV >= 16 then redis.call('HSET', KEYS[1], unpack(ARGV, 15)) end\n"
        "if ARGV[13] ~= '' then set_delivery(KEYS[5], ARGV[2], aid, ARGV[13]) end\n"
        "publish(ARGV[1], ARGV[2], KEYS[1])\n"
        "return {mid, aid}\n",

    /* KEYS tk ev dd dl
     * ARGV 1 chan 2 ref 3 op(message|reply|note|resolve|call|voicemail) 4 channel 5 role
     *      6 author id 7 author name 8 text 9 dedupe key 10 client_id
     *      11 extra json 12 required customer ('' = any)
     *      13 delivery json for the new event ('' = none)
     *      14.. ticket field, value pairs to set
     * -> {event id, duplicate 0/1, status after} */
    [HILO_S_APPEND] = PRELUDE
        "local st = redis.call('HGET', KEYS[1], 'status')\n"
        "if not st then return redis.error_reply('HILO unknown_ticket') end\n"
        "if ARGV[12] ~= '' and redis.call('HGET', KEYS[1], 'customer') ~= ARGV[12] then\n"
        "  return redis.error_reply('HILO forbidden') end\n"
        "if ARGV[10] ~= '' then\n"
        "  local prev = redis.call('HGET', KEYS[3], ARGV[9])\n"
        "  if prev then return {prev, 1, st} end\n"
        "end\n"
        "if st == 'closed' then return redis.error_reply('HILO closed') end\n"
        "local op, ref, now = ARGV[3], ARGV[2], now_ms()\n"
        "local upd = {'updated_at', now}\n"
        "local new = st\n"
        "local id\n"
        "local ev = {ch = ARGV[4], ar = ARGV[5], ai = ARGV[6], an = ARGV[7], tx = ARGV[8], ci = ARGV[10], x = ARGV[11]}\n"
        "if ev.ar == 'customer' and ev.ai == '' then ev.ai = redis.call('HGET', KEYS[1], 'customer') or '' end\n"
        "if op == 'message' then\n"
        "  ev.k = 'message'\n"
        "  id = add(KEYS[2], ref, 'p', ev)\n"
        "  if st ~= 'open' then status_ev(KEYS[2], ref, st, 'open', '', ''); new = 'open' end\n"
        "  if (tonumber(redis.call('HGET', KEYS[1], 'waiting_since')) or 0) == 0 then\n"
        "    upd[#upd + 1] = 'waiting_since'; upd[#upd + 1] = now end\n"
        "  if redis.call('HGET', KEYS[1], 'last_channel') ~= ARGV[4] then\n"
        "    redis.call('HINCRBY', KEYS[1], 'channel_switches', 1)\n"
        "    upd[#upd + 1] = 'last_channel'; upd[#upd + 1] = ARGV[4] end\n"
        "  redis.call('HINCRBY', KEYS[1], 'messages', 1)\n"
        "  redis.call('HINCRBY', KEYS[1], 'mc:' .. ARGV[4], 1)\n"
        "  for _, v in ipairs({'last_text', preview(ARGV[8]), 'last_role', 'customer', 'status', new,\n"
        "    'follow_up_at', 0}) do upd[#upd + 1] = v end\n"
        "elseif op == 'reply' or op == 'resolve' then\n"
        "  ev.k = op == 'reply' and 'reply' or 'resolution'\n"
        "  id = add(KEYS[2], ref, 'p', ev)\n"
        "  if (tonumber(redis.call('HGET', KEYS[1], 'first_response_at')) or 0) == 0 then\n"
        "    upd[#upd + 1] = 'first_response_at'; upd[#upd + 1] = now end\n"
        "  redis.call('HINCRBY', KEYS[1], 'messages', 1)\n"
        "  for _, v in ipairs({'waiting_since', 0, 'last_text', preview(ARGV[8]), 'last_role', 'agent'}) do upd[#upd + 1] = v end\n"
        "  if op == 'resolve' then\n"
        "    if st ~= 'resolved' then status_ev(KEYS[2], ref, st, 'resolved', ARGV[6], ARGV[7]) end\n"
        "    new = 'resolved'\n"
        "    for _, v in ipairs({'status', 'resolved', 'resolved_at', now}) do upd[#upd + 1] = v end\n"
        "  end\n"
        "elseif op == 'note' then\n"
        "  ev.k = 'note'\n"
        "  id = add(KEYS[2], ref, 'i', ev)\n"
        "elseif op == 'call' or op == 'voicemail' then\n"
        "  ev.k = op\n"
        "  id = add(KEYS[2], ref, 'p', ev)\n"
        "else\n"
        "  return redis.error_reply('HILO bad op')\n"
        "end\n"
        "if ARGV[10] ~= '' then redis.call('HSET', KEYS[3], ARGV[9], id) end\n"
        "for i = 14, #ARGV - 1, 2 do upd[#upd + 1] = ARGV[i]; upd[#upd + 1] = ARGV[i + 1] end\n"
        "redis.call('HSET', KEYS[1], unpack(upd))\n"
        "if ARGV[13] ~= '' then set_delivery(KEYS[4], ref, id, ARGV[13]) end\n"
        "publish(ARGV[1], ref, KEYS[1])\n"
        "return {id, 0, new}\n",

    /* KEYS tk ev
     * ARGV 1 chan 2 ref 3 op(assign|status|followup) 4 value 5 author id
     *      6 author name 7 team (assign) 8 follow-up time ms (status pending)
     * -> {event id or '', status after} */
    [HILO_S_SET] = PRELUDE
        "local st = redis.call('HGET', KEYS[1], 'status')\n"
        "if not st then return redis.error_reply('HILO unknown_ticket') end\n"
        "local op, ref, v, now = ARGV[3], ARGV[2], ARGV[4], now_ms()\n"
        "local id = ''\n"
        "if op == 'assign' then\n"
        "  if st == 'closed' then return redis.error_reply('HILO closed') end\n"
        "  local cur = redis.call('HMGET', KEYS[1], 'assignee', 'team')\n"
        "  if (cur[1] or '') == v and (cur[2] or '') == ARGV[7] then return {'', st} end\n"
        "  redis.call('HSET', KEYS[1], 'assignee', v, 'team', ARGV[7], 'updated_at', now)\n"
        "  id = add(KEYS[2], ref, 'i', {k = 'assign', ch = 'system', ar = 'agent', ai = ARGV[5],\n"
        "    an = ARGV[6], x = cjson.encode({assignee = v, team = ARGV[7]})})\n"
        "elseif op == 'status' then\n"
        "  local fu = (v == 'pending') and (tonumber(ARGV[8]) or 0) or 0\n"
        "  if st == v and v ~= 'pending' then return {'', st} end\n"
        "  if st == 'closed' then return redis.error_reply('HILO closed') end\n"
        "  local upd = {'status', v, 'updated_at', now, 'follow_up_at', fu}\n"
        "  if v == 'closed' then upd[#upd + 1] = 'closed_at'; upd[#upd + 1] = now end\n"
        "  redis.call('HSET', KEYS[1], unpack(upd))\n"
        "  if st ~= v then id = status_ev(KEYS[2], ref, st, v, ARGV[5], ARGV[6]) end\n"
        "  st = v\n"
        "elseif op == 'followup' then\n"
        "  local fu = tonumber(redis.call('HGET', KEYS[1], 'follow_up_at')) or 0\n"
        "  if st ~= 'pending' or fu == 0 or fu > now then return {'', st, fu} end\n"
        "  redis.call('HSET', KEYS[1], 'status', 'open', 'updated_at', now, 'follow_up_at', 0)\n"
        "  id = status_ev(KEYS[2], ref, 'pending', 'open', '', '', 'follow_up')\n"
        "  st = 'open'\n"
        "else\n"
        "  return redis.error_reply('HILO bad op')\n"
        "end\n"
        "publish(ARGV[1], ref, KEYS[1])\n"
        "return {id, st}\n",

    /* KEYS tk ev dl
     * ARGV 1 after ('0' = from the start) 2 public only 1/0 3 required customer
     *      4 count (0 = summary only)
     * -> {summary json, more 0/1, last scanned id, id1, event json1, ...} */
    [HILO_S_HISTORY] = PRELUDE
        "local s = summary(KEYS[1])\n"
        "if not s then return redis.error_reply('HILO unknown_ticket') end\n"
        "if ARGV[3] ~= '' and s.customer ~= ARGV[3] then return redis.error_reply('HILO forbidden') end\n"
        "local out = {cjson.encode(s), 0, ARGV[1]}\n"
        "local count = tonumber(ARGV[4])\n"
        "if count > 0 then\n"
        "  local start = ARGV[1] == '0' and '-' or ('(' .. ARGV[1])\n"
        "  local rows = redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', count)\n"
        "  if #rows >= count then out[2] = 1 end\n"
        "  local dl = {}\n"
        "  if ARGV[2] ~= '1' and KEYS[3] then dl = fields_of(redis.call('HGETALL', KEYS[3])) end\n"
        "  for _, row in ipairs(rows) do\n"
        "    local f = fields_of(row[2])\n"
        "    out[3] = row[1]\n"
        "    if ARGV[2] ~= '1' or (f.k ~= 'note' and f.k ~= 'assign') then\n"
        "      local e = ev_obj(s.ref, row[1], f)\n"
        "      if dl[row[1]] then e.delivery = cjson.decode(dl[row[1]]) end\n"
        "      out[#out + 1] = row[1]\n"
        "      out[#out + 1] = cjson.encode(e)\n"
        "    end\n"
        "  end\n"
        "end\n"
        "return out\n",

    /* KEYS tk dl dd
     * ARGV 1 chan 2 ref 3 op 4 event id or '' 5 json of fields to merge
     * op 'check': resolves the event id (from the dedupe key in ARGV[5])
     *   -> {event id or '', delivery json or ''}
     * op 'update': merges fields into the delivery unless that would move
     *   its status backwards (a 'force' field allows failed -> queued)
     *   -> status after, or '' when ignored */
    [HILO_S_DELIVERY] = PRELUDE
        "local op, ref = ARGV[3], ARGV[2]\n"
        "if op == 'check' then\n"
        "  local id = ARGV[4]\n"
        "  if id == '' then id = redis.call('HGET', KEYS[3], ARGV[5]) or '' end\n"
        "  if id == '' then return {'', ''} end\n"
        "  return {id, redis.call('HGET', KEYS[2], id) or ''}\n"
        "end\n"
        "local cur = redis.call('HGET', KEYS[2], ARGV[4])\n"
        "if not cur then return '' end\n"
        "local d = cjson.decode(cur)\n"
        "local n = cjson.decode(ARGV[5])\n"
        "local force = n.force\n"
        "n.force = nil\n"
        "if n.status and not force and (RANK[n.status] or 0) < (RANK[d.status] or 0) then return '' end\n"
        "if n.status and not force and d.status == 'failed' and n.status ~= 'failed' then return '' end\n"
        "for k, v in pairs(n) do d[k] = v end\n"
        "set_delivery(KEYS[2], ref, ARGV[4], cjson.encode(d))\n"
        "redis.call('PUBLISH', ARGV[1], ref .. '\\n' .. table.concat(pub, '\\n'))\n"
        "return d.status\n",

    /* KEYS q due; ARGV 1 now ms 2 limit: due retries back into the stream */
    [HILO_S_OUTBOX_DUE] =
        "local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))\n"
        "for _, m in ipairs(due) do\n"
        "  local e = cjson.decode(m)\n"
        "  local args = {KEYS[1], '*'}\n"
        "  for k, v in pairs(e) do args[#args + 1] = k; args[#args + 1] = tostring(v) end\n"
        "  redis.call('XADD', unpack(args))\n"
        "  redis.call('ZREM', KEYS[2], m)\n"
        "end\n"
        "return #due\n",

    /* KEYS timers; ARGV 1 now ms 2 lease ms 3 limit
     * -> due members; each is leased (re-scored to now + lease) so that if
     * the instance that took it dies, another takes it after the lease. */
    [HILO_S_DUE] =
        "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))\n"
        "for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', tonumber(ARGV[1]) + tonumber(ARGV[2]), m) end\n"
        "return due\n",

    /* KEYS cu ids tix
     * ARGV 1 customer id 2 identity 3 name 4 email 5 locale 6 ticket ref
     *      7 second identity ('' = none) */
    [HILO_S_CUST] =
        "local t = redis.call('TIME')\n"
        "local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
        "if redis.call('HSETNX', KEYS[1], 'id', ARGV[1]) == 1 then\n"
        "  redis.call('HSET', KEYS[1], 'created_at', now) end\n"
        "if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'name', ARGV[3]) end\n"
        "if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'email', ARGV[4]) end\n"
        "if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'locale', ARGV[5]) end\n"
        "if ARGV[2] ~= '' then redis.call('SADD', KEYS[2], ARGV[2]) end\n"
        "if ARGV[7] ~= '' then redis.call('SADD', KEYS[2], ARGV[7]) end\n"
        "if ARGV[6] ~= '' then\n"
        "  redis.call('ZADD', KEYS[3], now, ARGV[6])\n"
        "  redis.call('HSET', KEYS[1], 'cur', ARGV[6])\n"
        "end\n"
        "return 1\n",
};

static char shas[HILO_S_COUNT][41];

static void loaded_cb(redisReply *reply, void *data)
{
    enum hilo_script s = (enum hilo_script)(long)data;
    if (!reply || reply->type != REDIS_REPLY_STRING || reply->len != 40) {
        hilo_error("SCRIPT LOAD %d failed: %s", (int)s,
                   reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "no reply");
        return;
    }
    memcpy(shas[s], reply->str, 40);
    shas[s][40] = '\0';
}

void hilo_scripts_load(struct hilo_redis *r)
{
    memset(shas, 0, sizeof shas);
    for (int s = 0; s < HILO_S_COUNT; s++) {
        const char *argv[] = {"SCRIPT", "LOAD", sources[s]};
        hilo_redis_cmd_init(r, loaded_cb, (void *)(long)s, 3, argv, NULL);
    }
}

int hilo_scripts_ready(void)
{
    for (int s = 0; s < HILO_S_COUNT; s++)
        if (!shas[s][0])
            return 0;
    return 1;
}

const char *hilo_scripts_sha(enum hilo_script s) { return shas[s]; }
const char *hilo_scripts_source(enum hilo_script s) { return sources[s]; }
