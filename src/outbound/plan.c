/* Routing at send time: the pure decision; see include/hilo/route_plan.h. */
#include "hilo/route_plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/outbound_route.h"

/* Indexes into hilo_outbox_ticket_fields (route.c). */
enum { F_LAST, F_WA, F_SMS, F_VOICE, F_EMAIL, F_VIA };

static const char *const step_names[] = {"web", "whatsapp", "template", "sms", "email"};

int hilo_route_order_parse(const char *s, enum hilo_route_step out[HILO_ROUTE_MAX_STEPS])
{
    int n = 0;
    unsigned seen = 0;
    const char *p = s ? s : "";
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && *p == ' ') {
            p++;
            len--;
        }
        while (len && p[len - 1] == ' ')
            len--;
        int k = -1;
        for (int i = 0; i < 5; i++)
            if (strlen(step_names[i]) == len && strncmp(step_names[i], p, len) == 0)
                k = i;
        if (k < 0 || (seen & (1u << k)) || n >= HILO_ROUTE_MAX_STEPS)
            return -1;
        seen |= 1u << k;
        out[n++] = (enum hilo_route_step)k;
        if (!e)
            break;
        p = e + 1;
    }
    return n > 0 ? n : -1;
}

int hilo_route_template_parse(const char *spec, struct hilo_wa_template *t)
{
    memset(t, 0, sizeof *t);
    if (!spec || !*spec)
        return 1;
    const char *c1 = strchr(spec, ':');
    if (!c1 || c1 == spec || (size_t)(c1 - spec) >= sizeof t->name)
        return -1;
    memcpy(t->name, spec, (size_t)(c1 - spec));
    const char *lang = c1 + 1, *c2 = strchr(lang, ':');
    size_t ll = c2 ? (size_t)(c2 - lang) : strlen(lang);
    if (ll == 0 || ll >= sizeof t->lang)
        return -1;
    memcpy(t->lang, lang, ll);
    const char *ps = c2 ? c2 + 1 : "ref,text";
    while (*ps) {
        const char *e = strchr(ps, ',');
        size_t len = e ? (size_t)(e - ps) : strlen(ps);
        if (t->nparams >= HILO_TPL_MAX_PARAMS ||
            !((len == 3 && strncmp(ps, "ref", 3) == 0) || (len == 4 && strncmp(ps, "text", 4) == 0) ||
              (len == 4 && strncmp(ps, "name", 4) == 0)))
            return -1;
        memcpy(t->params[t->nparams++], ps, len);
        if (!e)
            break;
        ps = e + 1;
    }
    return 0;
}

const char *hilo_route_template_spec(const struct hilo_config *c, const char *category)
{
    const char *v = NULL;
    if (!category)
        return "";
    if (strcmp(category, "ack") == 0)
        v = c->wa_template_ack;
    else if (strcmp(category, "update") == 0)
        v = c->wa_template_update;
    else if (strcmp(category, "resolution") == 0)
        v = c->wa_template_resolution;
    else if (strcmp(category, "survey") == 0)
        v = c->wa_template_survey;
    else if (strcmp(category, "nudge") == 0)
        v = c->wa_template_nudge;
    return v ? v : "";
}

int hilo_route_config_check(const struct hilo_config *c, char *err, size_t errlen)
{
    enum hilo_route_step st[HILO_ROUTE_MAX_STEPS];
    static const char *const cats[] = {"ack", "update", "resolution", "survey", "nudge"};
    struct hilo_wa_template t;
    if (hilo_route_order_parse(c->route_order, st) < 0) {
        snprintf(err, errlen, "option route_order: '%s' is not a comma list of web, whatsapp, "
                 "template, sms, email", c->route_order);
        return -1;
    }
    if (strcmp(c->wa_closed_policy, "template") != 0 && strcmp(c->wa_closed_policy, "hold") != 0 &&
        strcmp(c->wa_closed_policy, "fallback") != 0) {
        snprintf(err, errlen, "option wa_closed_policy: '%s' is not template, hold or fallback",
                 c->wa_closed_policy);
        return -1;
    }
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
        if (hilo_route_template_parse(hilo_route_template_spec(c, cats[i]), &t) < 0) {
            snprintf(err, errlen, "option wa_template_%s: '%s' is not name:language[:params] "
                     "(params: ref, text, name)", cats[i], hilo_route_template_spec(c, cats[i]));
            return -1;
        }
    return 0;
}

/* ---- the decision ---------------------------------------------------------- */

static const char *fld(const struct hilo_route_in *in, int i)
{
    return in->fields && in->fields[i] ? in->fields[i] : "";
}

static void note(struct hilo_route_plan *p, const char *fmt, ...)
{
    size_t n = strlen(p->reason);
    va_list ap;
    if (n && n + 2 < sizeof p->reason) {
        memcpy(p->reason + n, ", ", 3);
        n += 2;
    }
    va_start(ap, fmt);
    vsnprintf(p->reason + n, sizeof p->reason - n, fmt, ap);
    va_end(ap);
}

/* "3 h", "12 min", "2 d" */
static void span(char *out, size_t n, uint64_t ms)
{
    uint64_t min = ms / 60000;
    if (min < 60)
        snprintf(out, n, "%llu min", (unsigned long long)min);
    else if (min < 48 * 60)
        snprintf(out, n, "%llu h", (unsigned long long)(min / 60));
    else
        snprintf(out, n, "%llu d", (unsigned long long)(min / 1440));
}

/* Is "<kind>:<addr>" proven and not blocked? 1 yes, 0 unproven, -1 blocked. */
static int usable(const struct hilo_route_in *in, const char *kind, const char *addr)
{
    char id[400];
    snprintf(id, sizeof id, "%s:%s", kind, addr);
    if (in->blocked && json_object_get(in->blocked, id))
        return -1;
    return in->proven && json_object_get(in->proven, id) ? 1 : 0;
}

/* The first usable address among the fields listed, then among the
 * customer's proven identities of the kind. 1 found, 0 none, -1 only
 * blocked ones. */
static int find_addr(const struct hilo_route_in *in, const char *kind, const int *fi, int nfi,
                     char *out, size_t n)
{
    int blocked = 0;
    for (int i = 0; i < nfi; i++) {
        const char *a = fld(in, fi[i]);
        int u = *a ? usable(in, kind, a) : 0;
        if (u > 0) {
            snprintf(out, n, "%s", a);
            return 1;
        }
        blocked |= u < 0;
    }
    const char *id;
    json_t *v;
    size_t kl = strlen(kind);
    json_object_foreach(in->proven, id, v) {
        if (strncmp(id, kind, kl) != 0 || id[kl] != ':' || !id[kl + 1])
            continue;
        if (usable(in, kind, id + kl + 1) > 0) {
            snprintf(out, n, "%s", id + kl + 1);
            return 1;
        }
        blocked = 1;
    }
    return blocked ? -1 : 0;
}

struct wa_state {
    int ok;                    /* a usable number and a configured row */
    const struct hilo_channel_ops *ops;
    char to[64];
    int open;
};

static void wa_eval(const struct hilo_config *c, const struct hilo_route_in *in,
                    struct hilo_route_plan *p, struct wa_state *w)
{
    const char *num = fld(in, F_WA);
    memset(w, 0, sizeof *w);
    if (!*num) {
        note(p, "no whatsapp number");
        return;
    }
    p->wa_known = 1;
    p->wa_left_ms = in->wa_last_in_ms ? (int64_t)(in->wa_last_in_ms + HILO_WA_WINDOW_MS) -
                                            (int64_t)in->now_ms
                                      : -(int64_t)HILO_WA_WINDOW_MS;
    int bsuid = hilo_whatsapp_is_bsuid(num);
    int u = usable(in, bsuid ? "bsuid" : "phone", num);
    if (u <= 0) {
        note(p, u < 0 ? "whatsapp %s blocked" : "whatsapp %s unproven", bsuid ? "user id" : "number");
        return;
    }
    w->ops = hilo_channel_pick(c, "whatsapp", fld(in, F_VIA));
    if (!w->ops) {
        note(p, "whatsapp not configured");
        return;
    }
    if (bsuid && strcmp(w->ops->provider, "whatsapp") != 0) {
        /* only Meta's Cloud API sends to a business-scoped user id */
        note(p, "whatsapp user id needs the cloud api (%s cannot send to it)", w->ops->via);
        return;
    }
    w->ok = 1;
    snprintf(w->to, sizeof w->to, "%s", num);
    w->open = in->wa_last_in_ms && p->wa_left_ms > 0;
}

static void wa_window_note(struct hilo_route_plan *p, const struct hilo_route_in *in, int open)
{
    char t[32];
    if (open) {
        span(t, sizeof t, (uint64_t)p->wa_left_ms);
        note(p, "whatsapp window open (closes in %s)", t);
    } else if (in->wa_last_in_ms) {
        span(t, sizeof t, (uint64_t)(-p->wa_left_ms));
        note(p, "whatsapp window closed %s ago", t);
    } else {
        note(p, "whatsapp window closed");
    }
}

static void go(struct hilo_route_plan *p, const char *ch, const struct hilo_channel_ops *ops,
               const char *to, const char *code)
{
    p->channel = ch;
    p->ops = ops;
    p->via = ops ? ops->via : "";
    snprintf(p->to, sizeof p->to, "%s", to ? to : "");
    p->code = code;
}

/* The closed window, by wa_closed_policy: 1 decided, 0 not (fallback). */
static int wa_closed(const struct hilo_config *c, const struct hilo_route_in *in,
                     struct hilo_route_plan *p, const struct wa_state *w)
{
    if (strcmp(c->wa_closed_policy, "hold") == 0) {
        go(p, "whatsapp", NULL, w->to, "wa_held");
        p->held = 1;
        note(p, "held until the customer writes again");
        return 1;
    }
    if (strcmp(c->wa_closed_policy, "template") == 0) {
        if (hilo_route_template_parse(hilo_route_template_spec(c, in->category), &p->tpl) == 0) {
            go(p, "whatsapp", w->ops, w->to, "wa_template");
            p->templated = 1;
            note(p, "template %s", p->tpl.name);
            return 1;
        }
        note(p, "no %s template", in->category ? in->category : "");
    }
    return 0;
}

static int phone_addr(const struct hilo_route_in *in, char *out, size_t n)
{
    static const int fi[] = {F_SMS, F_VOICE, F_WA};
    return find_addr(in, "phone", fi, 3, out, n);
}

static int email_addr(const struct hilo_route_in *in, char *out, size_t n)
{
    static const int fi[] = {F_EMAIL};
    return find_addr(in, "email", fi, 1, out, n);
}

/* sms or email: 1 chosen, 0 not (noted). */
static int try_simple(const struct hilo_config *c, const struct hilo_route_in *in,
                      struct hilo_route_plan *p, const char *ch, const char *code)
{
    char to[320];
    int is_sms = strcmp(ch, "sms") == 0;
    int f = is_sms ? phone_addr(in, to, sizeof to) : email_addr(in, to, sizeof to);
    if (f <= 0) {
        note(p, f < 0 ? "%s blocked" : "no proven %s", is_sms ? "phone" : "email");
        return 0;
    }
    const struct hilo_channel_ops *ops = hilo_channel_pick(c, ch, "");
    if (!ops) {
        note(p, "%s not configured", ch);
        return 0;
    }
    go(p, ch, ops, to, code);
    return 1;
}

static int pinned(const struct hilo_config *c, const struct hilo_route_in *in0,
                  struct hilo_route_plan *p)
{
    /* a block does not hide a pinned channel: the outbox's gate fails the
     * delivery visibly (identity_blocked) and sends nothing */
    struct hilo_route_in pin = *in0;
    const struct hilo_route_in *in = &pin;
    pin.blocked = NULL;
    const char *want = in->explicit_template ? "whatsapp" : in->want;
    struct wa_state w;
    if (strcmp(want, "web") == 0) {
        go(p, "web", NULL, "", "pinned");
        note(p, "pinned by the agent");
        return 0;
    }
    if (strcmp(want, "sms") == 0 || strcmp(want, "email") == 0) {
        if (!try_simple(c, in, p, want, "pinned"))
            return -HILO_EBADSTATE;
        note(p, "pinned by the agent");
        return 0;
    }
    if (strcmp(want, "whatsapp") != 0)
        return -HILO_EBADFRAME;
    wa_eval(c, in, p, &w);
    if (!w.ok)
        return -HILO_EBADSTATE;
    if (in->explicit_template) {
        go(p, "whatsapp", w.ops, w.to, "pinned");
        p->templated = 1;
        note(p, "template chosen by the agent");
        return 0;
    }
    wa_window_note(p, in, w.open);
    if (w.open) {
        go(p, "whatsapp", w.ops, w.to, "pinned");
        note(p, "pinned by the agent");
        return 0;
    }
    if (wa_closed(c, in, p, &w))
        return 0;
    /* fallback: the routes after WhatsApp in the order */
    if (try_simple(c, in, p, "sms", "sms") || try_simple(c, in, p, "email", "email"))
        return 0;
    return -HILO_EBADSTATE;
}

int hilo_route_plan(const struct hilo_config *c, const struct hilo_route_in *in,
                    struct hilo_route_plan *p)
{
    enum hilo_route_step st[HILO_ROUTE_MAX_STEPS];
    struct wa_state w;
    int n = hilo_route_order_parse(c->route_order, st), wa_done = 0;

    memset(p, 0, sizeof *p);
    p->via = "";
    snprintf(p->category, sizeof p->category, "%s", in->category ? in->category : "");
    if ((in->want && *in->want) || in->explicit_template)
        return pinned(c, in, p);
    if (n < 0)
        n = 0;
    memset(&w, 0, sizeof w);
    for (int i = 0; i < n; i++) {
        switch (st[i]) {
        case HILO_STEP_WEB:
            if (in->no_web)
                break;
            if (in->online > 0) {
                go(p, "web", NULL, "", "widget_open");
                note(p, "widget open");
                return 0;
            }
            note(p, "widget closed");
            break;
        case HILO_STEP_WHATSAPP:
        case HILO_STEP_TEMPLATE:
            if (!wa_done) {
                wa_eval(c, in, p, &w);
                if (w.ok)
                    wa_window_note(p, in, w.open);
                wa_done = 1;
            }
            if (!w.ok)
                break;
            if (w.open) {
                /* inside the window free-form is allowed and free */
                go(p, "whatsapp", w.ops, w.to, "wa_window_open");
                return 0;
            }
            if (st[i] == HILO_STEP_TEMPLATE && wa_closed(c, in, p, &w))
                return 0;
            break;
        case HILO_STEP_SMS:
            if (try_simple(c, in, p, "sms", "sms"))
                return 0;
            break;
        case HILO_STEP_EMAIL:
            if (try_simple(c, in, p, "email", "email"))
                return 0;
            break;
        }
    }
    go(p, "web", NULL, "", "no_route");
    note(p, "kept in the web thread");
    return 0;
}

json_t *hilo_route_plan_json(const struct hilo_route_plan *p)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "channel", p->channel ? p->channel : "web", "code",
                          p->code ? p->code : "", "reason", p->reason);
    if (o && p->templated && p->tpl.name[0])
        json_object_set_new(o, "template", json_string(p->tpl.name));
    if (o && p->held)
        json_object_set_new(o, "held", json_true());
    return o;
}

/* The template parameters of t: ref, text, else the name. */
static char *tpl_params(const struct hilo_wa_template *t, const char *ref, const char *text,
                        const char *name)
{
    json_t *pa = json_array();
    for (int i = 0; i < t->nparams; i++) {
        const char *k = t->params[i];
        json_array_append_new(pa, json_string(strcmp(k, "ref") == 0    ? ref
                                              : strcmp(k, "text") == 0 ? text
                                                                       : (name ? name : "")));
    }
    char *ps = json_dumps(pa, JSON_COMPACT);
    json_decref(pa);
    return ps;
}

int hilo_route_plan_entry(const struct hilo_config *c, const struct hilo_route_plan *p,
                          const char *const *fields, const char *ref, const char *key,
                          const char *text, const char *name, json_t **entry, char **delivery)
{
    struct hilo_wa_template late;
    *entry = NULL;
    *delivery = NULL;
    if (!p->ops)
        return -HILO_EINTERNAL;
    int rc = hilo_route_entry_for(c, p->ops, p->to, fields, ref, key, text, entry, delivery);
    if (rc < 0)
        return rc;
    if (!p->templated || !p->tpl.name[0]) {
        /* free-form on WhatsApp: the template to send if the window turns
         * out closed (131047), when the policy is to send templates */
        if (p->channel && strcmp(p->channel, "whatsapp") == 0 && !p->held && p->category[0] &&
            strcmp(c->wa_closed_policy, "template") == 0 &&
            hilo_route_template_parse(hilo_route_template_spec(c, p->category), &late) == 0) {
            char *ps = tpl_params(&late, ref, text, name);
            json_object_set_new(*entry, "late_tpl", json_string(late.name));
            json_object_set_new(*entry, "late_lang", json_string(late.lang));
            json_object_set_new(*entry, "late_params", json_string(ps ? ps : "[]"));
            json_object_set_new(*entry, "late_cat", json_string(p->category)); /* metrics */
            free(ps);
        }
        return 0;
    }
    char *ps = tpl_params(&p->tpl, ref, text, name);
    json_object_set_new(*entry, "tpl", json_string(p->tpl.name));
    json_object_set_new(*entry, "tpl_lang", json_string(p->tpl.lang));
    json_object_set_new(*entry, "tpl_params", json_string(ps ? ps : "[]"));
    free(ps);
    return 0;
}
