#include "hilo/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *prefix;

int hilo_keys_init(const char *p)
{
    free(prefix);
    prefix = strdup(p);
    return prefix ? 0 : -1;
}

void hilo_keys_deinit(void)
{
    free(prefix);
    prefix = NULL;
}

int hilo_key(char *buf, size_t n, enum hilo_key k, const char *arg)
{
    const char *p = prefix ? prefix : "hilo";
    int r = -1;

    switch (k) {
    case HILO_K_TICKET: r = snprintf(buf, n, "%s:{t:%s}:tk", p, arg); break;
    case HILO_K_THREAD: r = snprintf(buf, n, "%s:{t:%s}:ev", p, arg); break;
    case HILO_K_DEDUPE: r = snprintf(buf, n, "%s:{t:%s}:dd", p, arg); break;
    case HILO_K_RESERVE: r = snprintf(buf, n, "%s:{t:%s}:rsv", p, arg); break;
    case HILO_K_CUSTOMER: r = snprintf(buf, n, "%s:{c:%s}:cu", p, arg); break;
    case HILO_K_CUST_IDS: r = snprintf(buf, n, "%s:{c:%s}:ids", p, arg); break;
    case HILO_K_CUST_TIX: r = snprintf(buf, n, "%s:{c:%s}:tix", p, arg); break;
    case HILO_K_IDENT: r = snprintf(buf, n, "%s:ident:%s", p, arg); break;
    case HILO_K_AGENT: r = snprintf(buf, n, "%s:agent:%s", p, arg); break;
    case HILO_K_AGENTS: r = snprintf(buf, n, "%s:agents", p); break;
    case HILO_K_SESSION: r = snprintf(buf, n, "%s:sess:%s", p, arg); break;
    case HILO_K_IDX_ACTIVE: r = snprintf(buf, n, "%s:idx:active", p); break;
    case HILO_K_IDX_ALL: r = snprintf(buf, n, "%s:idx:all", p); break;
    case HILO_K_EVENTS: r = snprintf(buf, n, "%s:events", p); break;
    case HILO_K_VIEWERS: r = snprintf(buf, n, "%s:{t:%s}:vw", p, arg); break;
    case HILO_K_DELIVERY: r = snprintf(buf, n, "%s:{t:%s}:dl", p, arg); break;
    case HILO_K_OUTBOX: r = snprintf(buf, n, "%s:{ob}:q", p); break;
    case HILO_K_OUTBOX_DUE: r = snprintf(buf, n, "%s:{ob}:due", p); break;
    case HILO_K_OUTBOX_DEAD: r = snprintf(buf, n, "%s:{ob}:dead", p); break;
    case HILO_K_OUTBOX_DEADX: r = snprintf(buf, n, "%s:{ob}:deadx", p); break;
    case HILO_K_SEEN: r = snprintf(buf, n, "%s:seen:%s", p, arg); break;
    case HILO_K_PID: r = snprintf(buf, n, "%s:pid:%s", p, arg); break;
    case HILO_K_MSGID: r = snprintf(buf, n, "%s:msgid:%s", p, arg); break;
    case HILO_K_CALL: r = snprintf(buf, n, "%s:call:%s", p, arg); break;
    case HILO_K_WEBHOOK_LOG: r = snprintf(buf, n, "%s:{ob}:whlog", p); break;
    case HILO_K_WEBHOOK_LOCK: r = snprintf(buf, n, "%s:{t:%s}:whl", p, arg); break;
    case HILO_K_APIKEY: r = snprintf(buf, n, "%s:apikey:%s", p, arg); break;
    case HILO_K_APIKEYS: r = snprintf(buf, n, "%s:apikeys", p); break;
    case HILO_K_TIMERS: r = snprintf(buf, n, "%s:timers", p); break;
    case HILO_K_SEARCH: r = snprintf(buf, n, "%s:ix:%s", p, arg); break;
    case HILO_K_REPLAY: r = snprintf(buf, n, "%s:replay:%s", p, arg); break;
    case HILO_K_LOGIN_FAIL: r = snprintf(buf, n, "%s:login:fail:%s", p, arg); break;
    case HILO_K_LOGIN_LOCK: r = snprintf(buf, n, "%s:login:lock:%s", p, arg); break;
    case HILO_K_CUST_EVIDENCE: r = snprintf(buf, n, "%s:{c:%s}:idev", p, arg); break;
    /* a hold's keys share the slot of its notices' pseudo-ticket "h<id>" */
    case HILO_K_HOLD: r = snprintf(buf, n, "%s:{t:h%s}:hold", p, arg); break;
    case HILO_K_HOLD_MSGS: r = snprintf(buf, n, "%s:{t:h%s}:hm", p, arg); break;
    case HILO_K_HOLDS: r = snprintf(buf, n, "%s:holds", p); break;
    case HILO_K_HOLD_BY: r = snprintf(buf, n, "%s:holdby:%s", p, arg); break;
    case HILO_K_TICKET_HOLDS: r = snprintf(buf, n, "%s:{t:%s}:holds", p, arg); break;
    case HILO_K_RATE: r = snprintf(buf, n, "%s:rl:%s", p, arg); break;
    case HILO_K_MERGE_RECS: r = snprintf(buf, n, "%s:merge:recs", p); break;
    case HILO_K_MERGES: r = snprintf(buf, n, "%s:merges", p); break;
    case HILO_K_CUST_MERGES: r = snprintf(buf, n, "%s:{c:%s}:mg", p, arg); break;
    case HILO_K_SUGGEST: r = snprintf(buf, n, "%s:suggest", p); break;
    case HILO_K_BLOCKED: r = snprintf(buf, n, "%s:blocked", p); break;
    case HILO_K_BLOCKED_MSGS: r = snprintf(buf, n, "%s:blkmsg:%s", p, arg); break;
    case HILO_K_TICKET_RATE: r = snprintf(buf, n, "%s:rate:tk:%s", p, arg); break;
    case HILO_K_OUTBOX_SENT: r = snprintf(buf, n, "%s:{t:%s}:obx", p, arg); break;
    case HILO_K_SLA_TEAMS: r = snprintf(buf, n, "%s:sla:teams", p); break;
    case HILO_K_ONLINE: r = snprintf(buf, n, "%s:{t:%s}:on", p, arg); break;
    case HILO_K_WA_WINDOW: r = snprintf(buf, n, "%s:wawin:%s", p, arg); break;
    case HILO_K_WA_HELD: r = snprintf(buf, n, "%s:waheld:%s", p, arg); break;
    case HILO_K_ROUTE_TIMERS: r = snprintf(buf, n, "%s:rtimers", p); break;
    case HILO_K_TEAM_SETTINGS: r = snprintf(buf, n, "%s:team:settings", p); break;
    case HILO_K_UPLOAD: r = snprintf(buf, n, "%s:upload:%s", p, arg); break;
    }
    if (r < 0 || (size_t)r >= n)
        return -1;
    return r;
}

void hilo_ticket_keys(struct hilo_ticket_keys *k, const char *ref)
{
    hilo_key(k->tk, sizeof k->tk, HILO_K_TICKET, ref);
    hilo_key(k->ev, sizeof k->ev, HILO_K_THREAD, ref);
    hilo_key(k->dd, sizeof k->dd, HILO_K_DEDUPE, ref);
    hilo_key(k->rsv, sizeof k->rsv, HILO_K_RESERVE, ref);
    hilo_key(k->dl, sizeof k->dl, HILO_K_DELIVERY, ref);
}
