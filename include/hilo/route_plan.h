/* Routing at send time (docs/continuity.md "Routing at send time"): which
 * route an outbound message (reply, resolution, nudge, unread resend) takes
 * and why. A pure decision over what the caller read from Redis (the
 * ticket's addresses, the customer's identity evidence, the blocked
 * identities, whether the widget is connected, when the WhatsApp number
 * last wrote) and the configuration; unit tested in
 * tests/unit/test_route_plan.c. src/outbound/plan.c. */
#ifndef HILO_ROUTE_PLAN_H
#define HILO_ROUTE_PLAN_H

#include <jansson.h>
#include <stdint.h>

struct hilo_config;
struct hilo_channel_ops;

#define HILO_WA_WINDOW_MS (24ull * 3600 * 1000)

/* The steps of route_order. */
enum hilo_route_step { HILO_STEP_WEB, HILO_STEP_WHATSAPP, HILO_STEP_TEMPLATE, HILO_STEP_SMS,
                       HILO_STEP_EMAIL };
#define HILO_ROUTE_MAX_STEPS 8

/* "web,whatsapp,template,sms,email" -> steps; the count, or -1 (unknown or
 * repeated step, empty). */
int hilo_route_order_parse(const char *s, enum hilo_route_step out[HILO_ROUTE_MAX_STEPS]);

/* A configured WhatsApp template: "name:language[:params]", params a comma
 * list of ref, text, name (default "ref,text"). On Twilio the name is the
 * ContentSid. */
#define HILO_TPL_MAX_PARAMS 6
struct hilo_wa_template {
    char name[128];
    char lang[16];
    char params[HILO_TPL_MAX_PARAMS][8];
    int nparams;
};
/* 0 filled, 1 spec empty (no template), -1 malformed. */
int hilo_route_template_parse(const char *spec, struct hilo_wa_template *t);
/* The option value of a category ("ack", "update", "resolution", "survey",
 * "nudge"), "" for an unknown one. */
const char *hilo_route_template_spec(const struct hilo_config *c, const char *category);
/* Checks route_order, wa_closed_policy and the templates: 0, or -1 with a
 * message naming the option. */
int hilo_route_config_check(const struct hilo_config *c, char *err, size_t errlen);

struct hilo_route_in {
    const char *want;          /* the channel an agent pinned; NULL or "": none */
    const char *category;      /* template category: "update", "resolution", "nudge" */
    const char *const *fields; /* values of hilo_outbox_ticket_fields ("" unset) */
    int online;                /* widget sockets of the ticket connected (any instance) */
    int no_web;                /* the web is not a route (an unread resend) */
    int explicit_template;     /* the agent chose a template: WhatsApp, any time */
    uint64_t now_ms;
    uint64_t wa_last_in_ms;    /* when the WhatsApp number last wrote; 0: never */
    json_t *proven;            /* identity -> evidence (HGETALL idev); borrowed */
    json_t *blocked;           /* identity -> block, or NULL; borrowed */
};

struct hilo_route_plan {
    const char *channel;       /* "web", "whatsapp", "sms", "email" */
    const struct hilo_channel_ops *ops; /* the row that sends it; NULL: web or held */
    char to[320];
    const char *via;           /* "cloud"/"twilio" for WhatsApp, else "" */
    int templated;             /* tpl carries it */
    struct hilo_wa_template tpl;
    int held;                  /* kept until the number writes again (wa_closed_policy hold) */
    const char *code;          /* stable: pinned, widget_open, wa_window_open, wa_template,
                                * wa_held, sms, email, no_route */
    char reason[400];          /* English, for agents: "widget closed, whatsapp window
                                * closed 3 h ago" */
    int wa_known;              /* a WhatsApp number is on the ticket */
    int64_t wa_left_ms;        /* window time left; <= 0: closed that long ago */
    char category[16];         /* in->category: the late template's */
};

/* 0 and *p; -HILO_EBADFRAME for an unknown pinned channel; -HILO_EBADSTATE
 * when the pinned channel cannot reach the customer over a proven,
 * unblocked identity. Without a pin some route always fits (the web thread,
 * code no_route, at worst). */
int hilo_route_plan(const struct hilo_config *c, const struct hilo_route_in *in,
                    struct hilo_route_plan *p);

/* {"channel","code","reason"[,"template","held"]}; caller owns. */
json_t *hilo_route_plan_json(const struct hilo_route_plan *p);

/* The outbox entry and delivery record of a plan whose ops is set (see
 * hilo_route_entry): 0, or -HILO_EINTERNAL. text fills the template's
 * "text" parameter, ref its "ref", name its "name". A free-form WhatsApp
 * message under wa_closed_policy "template" also carries its category's
 * template as late_tpl, late_lang, late_params: what the outbox sends
 * instead when WhatsApp answers that the window is closed after all
 * (131047: the number wrote to another of the business's numbers, clocks
 * near the 24 h edge), docs/continuity.md. */
int hilo_route_plan_entry(const struct hilo_config *c, const struct hilo_route_plan *p,
                          const char *const *fields, const char *ref, const char *key,
                          const char *text, const char *name, json_t **entry, char **delivery);

#endif
