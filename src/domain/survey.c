/* Satisfaction surveys (include/hilo/survey.h, docs/sla.md). */
#include "hilo/survey.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hilo/common.h"
#include "hilo/config.h"
#include "hilo/http.h"
#include "hilo/log.h"
#include "hilo/outbound_route.h"
#include "hilo/route_plan.h"
#include "hilo/server.h"
#include "hilo/store_records.h"
#include "hilo/tickets.h"

#define WINDOW_MS (24ull * 3600 * 1000) /* WhatsApp's customer service window */

/* ---- pure parts ------------------------------------------------------------- */

void hilo_survey_sign(const unsigned char *key, size_t key_len, const char *ref, int score,
                      uint64_t exp_s, char out[65])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char msg[128];
    crypto_auth_hmacsha256_state st;
    int n = snprintf(msg, sizeof msg, "%s.%d.%" PRIu64, ref, score, exp_s);
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (unsigned long long)n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

int hilo_survey_check(const unsigned char *key, size_t key_len, const char *ref, int score,
                      uint64_t exp_s, const char *sig, uint64_t now_s)
{
    char want[65];
    if (!sig || strlen(sig) != 64 || score < 1 || score > 5 || exp_s < now_s)
        return -1;
    hilo_survey_sign(key, key_len, ref, score, exp_s, want);
    return sodium_memcmp(want, sig, 64) == 0 ? 0 : -1;
}

void hilo_survey_text(const char *lang, const char *kind, const char *links, char *out, size_t n)
{
    int es = lang && strcmp(lang, "es") == 0;
    if (strcmp(kind, "web") == 0 || strcmp(kind, "buttons") == 0)
        snprintf(out, n, "%s", es ? "¿Qué tal te atendimos? Puntúanos del 1 (mal) al 5 (genial)."
                                  : "How did we do? Rate us from 1 (bad) to 5 (great).");
    else if (strcmp(kind, "email") == 0)
        snprintf(out, n, "%s\n\n%s\n", es ? "¿Qué tal te atendimos? Pulsa un enlace para puntuarnos "
                                            "del 1 (mal) al 5 (genial):"
                                          : "How did we do? Click a link to rate us from 1 (bad) "
                                            "to 5 (great):",
                 links ? links : "");
    else
        snprintf(out, n, "%s", es ? "¿Qué tal te atendimos? Responde con un número del 1 (mal) "
                                    "al 5 (genial)."
                                  : "How did we do? Reply with a number from 1 (bad) to 5 (great).");
}

const char *hilo_survey_voice_prompt(const char *lang)
{
    return lang && strcmp(lang, "es") == 0
               ? "Gracias, hemos recibido tu mensaje. Antes de colgar, valora esta llamada: "
                 "pulsa del 1 al 5; 5 es la mejor nota."
               : "Thank you, we have your message. Before you hang up, please rate this call: "
                 "press 1 to 5; 5 is best.";
}

const char *hilo_survey_voice_thanks(const char *lang)
{
    return lang && strcmp(lang, "es") == 0 ? "¡Gracias por tu valoración! Hasta pronto."
                                           : "Thank you for your rating! Goodbye.";
}

const char *hilo_survey_buttons(const char *lang)
{
    if (lang && strcmp(lang, "es") == 0)
        return "[{\"id\":\"csat:5\",\"title\":\"😀 Genial\"},{\"id\":\"csat:3\",\"title\":\"😐 "
               "Normal\"},{\"id\":\"csat:1\",\"title\":\"🙁 Mal\"}]";
    return "[{\"id\":\"csat:5\",\"title\":\"😀 Great\"},{\"id\":\"csat:3\",\"title\":\"😐 OK\"},"
           "{\"id\":\"csat:1\",\"title\":\"🙁 Bad\"}]";
}

/* ---- the secret ------------------------------------------------------------- */

static unsigned char secret[32];
static size_t secret_len;

static void secret_get(const struct hilo_config *cfg, const unsigned char **k, size_t *n)
{
    if (cfg->survey_secret && *cfg->survey_secret) {
        *k = (const unsigned char *)cfg->survey_secret;
        *n = strlen(cfg->survey_secret);
        return;
    }
    if (!secret_len) {
        randombytes_buf(secret, sizeof secret);
        secret_len = sizeof secret;
    }
    *k = secret;
    *n = secret_len;
}

/* ---- asking ----------------------------------------------------------------- */

enum { SF_STATUS = HILO_OUTBOX_NFIELDS, SF_WA_IN, SF_COUNT };

struct ask_op {
    struct hilo_server *s;
    char ref[HILO_REF_MAX];
};

static void asked_cb(const struct hilo_ticket_result *res, void *data)
{
    (void)data;
    if (res->err)
        hilo_warn("survey on %s not recorded: %s", res->ref, hilo_err_code(res->err));
}

static void ask(struct hilo_server *s, const char *ref, const char *const *f)
{
    const struct hilo_config *cfg = s->cfg;
    const char *lang = f[HILO_OUTBOX_NFIELDS - 1] && *f[HILO_OUTBOX_NFIELDS - 1]
                           ? f[HILO_OUTBOX_NFIELDS - 1]
                           : cfg->default_locale;
    struct hilo_route_choice ch;
    char text[2048], links[1600] = "", key[160], cid[40];
    const char *kind = "web", *skipped = NULL, *buttons = NULL;
    struct hilo_wa_template tpl;
    int templated = 0;
    json_t *entry = NULL;
    char *delivery = NULL;

    if (hilo_route_decide(cfg, NULL, f, &ch) < 0)
        ch.channel = NULL; /* cannot reach them elsewhere: ask on the web */
    if (ch.channel && strcmp(ch.channel, "whatsapp") == 0) {
        uint64_t in = f[SF_WA_IN] ? strtoull(f[SF_WA_IN], NULL, 10) : 0;
        kind = strcmp(ch.via, "cloud") == 0 ? "buttons" : "digits";
        if (!in || in + WINDOW_MS <= hilo_now_ms()) {
            /* free-form messages fail outside it: the approved survey
             * template (--wa-template-survey, Cloud API) or nothing */
            if (strcmp(ch.via, "cloud") == 0 &&
                hilo_route_template_parse(hilo_route_template_spec(cfg, "survey"), &tpl) == 0) {
                templated = 1;
                kind = "template";
            } else {
                skipped = "whatsapp_window_closed";
            }
        }
        if (strcmp(kind, "buttons") == 0)
            buttons = hilo_survey_buttons(lang);
    } else if (ch.channel && strcmp(ch.channel, "email") == 0) {
        const unsigned char *k;
        size_t kn;
        uint64_t exp = hilo_now_ms() / 1000 + (uint64_t)cfg->survey_link_hours * 3600u;
        kind = "email";
        if (!cfg->public_url || !*cfg->public_url) {
            skipped = "no_public_url";
        } else {
            secret_get(cfg, &k, &kn);
            for (int score = 1; score <= 5; score++) {
                char sig[65], line[400];
                hilo_survey_sign(k, kn, ref, score, exp, sig);
                snprintf(line, sizeof line, "%d %s %s/survey?r=%s&s=%d&e=%" PRIu64 "&sig=%s&l=%s\n",
                         score, score == 1 ? "★" : score == 2 ? "★★" : score == 3 ? "★★★"
                                                  : score == 4 ? "★★★★" : "★★★★★",
                         cfg->public_url, ref, score, exp, sig, lang);
                strncat(links, line, sizeof links - strlen(links) - 1);
            }
        }
    } else if (ch.channel) {
        kind = "digits"; /* SMS (and calls, which the route sends by SMS) */
    }
    hilo_survey_text(lang, kind, links, text, sizeof text);
    /* the outbox finds the event by its dedupe key (a client id is needed) */
    snprintf(cid, sizeof cid, "survey-%" PRIu64, hilo_now_ms());
    snprintf(key, sizeof key, "s:%s:%s", ref, cid);
    if (ch.channel && !skipped) {
        if (hilo_route_entry(cfg, ch.channel, f, ref, key, text, &entry, &delivery) < 0 || !entry)
            skipped = "no_route";
        else /* Auto-Submitted on a mail (RFC 3834) */
            json_object_set_new(entry, "auto", json_string("auto-generated"));
        if (!skipped && buttons)
            json_object_set_new(entry, "buttons", json_string(buttons));
        else if (!skipped && templated) {
            json_t *pa = json_array();
            for (int i = 0; i < tpl.nparams; i++)
                json_array_append_new(pa, json_string(strcmp(tpl.params[i], "ref") == 0 ? ref
                                                      : strcmp(tpl.params[i], "text") == 0 ? text
                                                                                            : ""));
            char *ps = json_dumps(pa, JSON_COMPACT);
            json_decref(pa);
            json_object_set_new(entry, "tpl", json_string(tpl.name));
            json_object_set_new(entry, "tpl_lang", json_string(tpl.lang));
            json_object_set_new(entry, "tpl_params", json_string(ps ? ps : "[]"));
            free(ps);
        }
    }
    json_t *x = json_pack("{s:{s:s, s:s, s:i}}", "survey", "channel", ch.channel ? ch.channel : "web",
                          "kind", kind, "scale", 5);
    if (skipped)
        json_object_set_new(json_object_get(x, "survey"), "skipped", json_string(skipped));
    char *extra = json_dumps(x, JSON_COMPACT);
    json_decref(x);
    struct hilo_ticket_append req = {
        .ref = ref, .op = HILO_APPEND_SURVEY, .channel = ch.channel ? ch.channel : "web",
        .role = "system", .author_name = "Hilo", .text = text, .dedupe = key, .client_id = cid,
        .extra = extra,
        .delivery = skipped ? NULL : delivery, .entry = skipped ? NULL : entry};
    if (hilo_tickets_append_now(s, &req, asked_cb, NULL) < 0)
        hilo_warn("survey on %s: not sent", ref);
    free(extra);
    free(delivery);
    json_decref(entry);
}

static void fields_cb(redisReply *reply, void *data)
{
    struct ask_op *op = data;
    if (reply && reply->type == REDIS_REPLY_ARRAY && reply->elements == SF_COUNT) {
        const char *f[SF_COUNT];
        for (int i = 0; i < SF_COUNT; i++)
            f[i] = reply->element[i]->type == REDIS_REPLY_STRING ? reply->element[i]->str : "";
        if (strcmp(f[SF_STATUS], "resolved") == 0)
            ask(op->s, op->ref, f);
    }
    free(op);
}

void hilo_survey_after_resolve(struct hilo_server *s, const char *ref)
{
    const char *names[SF_COUNT];
    struct ask_op *op;
    if (!s->cfg->survey || !(op = calloc(1, sizeof *op)))
        return;
    for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++)
        names[i] = hilo_outbox_ticket_fields[i];
    names[SF_STATUS] = "status";
    names[SF_WA_IN] = "in_at:whatsapp";
    op->s = s;
    snprintf(op->ref, sizeof op->ref, "%s", ref);
    struct hilo_store_ticket_fields tf = {.ref = ref, .fields = names, .nfields = SF_COUNT};
    if (hilo_store_ticket_fields(s->redis, &tf, fields_cb, op) < 0)
        free(op);
}

/* ---- the email link --------------------------------------------------------- */

struct answer_op {
    struct hilo_http *r;
    int es;
};

static void page(struct hilo_http *r, int status, int es, const char *en_text, const char *es_text)
{
    char body[600];
    int n = snprintf(body, sizeof body,
                     "<!doctype html><html lang=\"%s\"><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width\"><title>%s</title>"
                     "<p style=\"font:18px system-ui;margin:3em auto;max-width:30em\">%s</p></html>",
                     es ? "es" : "en", es ? es_text : en_text, es ? es_text : en_text);
    hilo_http_respond(r, status, "text/html; charset=utf-8", body, (size_t)n);
}

static void answered_cb(const struct hilo_ticket_result *res, void *data)
{
    struct answer_op *op = data;
    if (!res->err)
        page(op->r, 200, op->es, "Thank you for your rating!", "¡Gracias por tu valoración!");
    else if (res->err == -HILO_EBADSTATE)
        page(op->r, 409, op->es, "This case was reopened: we'll ask again when it is resolved.",
             "Este caso se ha reabierto: te preguntaremos de nuevo cuando se resuelva.");
    else
        page(op->r, res->err == -HILO_EUNKNOWNTICKET ? 404 : 503, op->es,
             "Your rating could not be saved. Please try again later.",
             "No hemos podido guardar tu valoración. Inténtalo más tarde.");
    free(op);
}

void hilo_survey_serve(void *ctx, struct hilo_http *r)
{
    struct hilo_server *s = ctx;
    const char *ref = hilo_http_arg(r, "r"), *sc = hilo_http_arg(r, "s");
    const char *ex = hilo_http_arg(r, "e"), *sig = hilo_http_arg(r, "sig");
    const char *l = hilo_http_arg(r, "l");
    int es = l && strcmp(l, "es") == 0;
    const unsigned char *k;
    size_t kn;
    char nref[HILO_REF_MAX], score[2], dedupe[120], cid[20];
    uint64_t exp = ex ? strtoull(ex, NULL, 10) : 0;
    int n = sc && sc[0] >= '1' && sc[0] <= '5' && !sc[1] ? sc[0] - '0' : 0;
    secret_get(s->cfg, &k, &kn);
    if (!ref || hilo_ref_normalize(ref, nref) < 0 || !n ||
        hilo_survey_check(k, kn, nref, n, exp, sig, hilo_now_ms() / 1000) < 0) {
        hilo_err_count(-HILO_EFORBIDDEN);
        page(r, 403, es, "This link is not valid or has expired.",
             "Este enlace no es válido o ha caducado.");
        return;
    }
    struct answer_op *op = calloc(1, sizeof *op);
    if (!op) {
        page(r, 503, es, "Please try again later.", "Inténtalo más tarde.");
        return;
    }
    op->r = r;
    op->es = es;
    score[0] = (char)('0' + n);
    score[1] = '\0';
    /* one answer per link (a second click is a duplicate) */
    snprintf(cid, sizeof cid, "%.16s", sig);
    snprintf(dedupe, sizeof dedupe, "s:email:%s", cid);
    const char *fields[] = {"csat", score};
    struct hilo_ticket_append req = {
        .ref = nref, .op = HILO_APPEND_THANKS, .channel = "email", .role = "customer",
        .author_id = "", .text = score, .dedupe = dedupe, .client_id = cid,
        .extra = "{\"survey\":\"email\"}", .fields = fields, .nfields = 2};
    if (hilo_tickets_append_now(s, &req, answered_cb, op) < 0) {
        page(r, 503, es, "Please try again later.", "Inténtalo más tarde.");
        free(op);
    }
}
