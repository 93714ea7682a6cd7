/* libFuzzer driver: a webhook body through every channel row that has
 * webhooks, the way inbound/hooks.c calls them (struct hilo_http_in view:
 * handshake, verify, parse). The first input byte picks the content type,
 * so the multipart parser is reached too. Invariants: a row answers with 0
 * or one of the documented errors, and a parsed message has every field. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"
#include "hilo/common.h"
#include "hilo/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hilo_config config(void)
{
    struct hilo_config c;
    memset(&c, 0, sizeof c);
    c.public_url = "https://hub.example.com";
    c.whatsapp_verify_token = "vt";
    c.whatsapp_app_secret = "appsecret";
    c.whatsapp_token = c.whatsapp_phone_number_id = c.whatsapp_api_base = "";
    c.twilio_account_sid = c.twilio_from = c.twilio_whatsapp_from = c.twilio_api_base = "";
    c.twilio_auth_token = "12345";
    c.mailgun_signing_key = "key-1";
    c.smtp_url = c.smtp_user = c.smtp_password = c.support_email = "";
    return c;
}

static int documented(int rc)
{
    return rc == 0 || rc == -HILO_EUNAUTH || rc == -HILO_EFORBIDDEN || rc == -HILO_EBADFRAME ||
           rc == -HILO_EBADJSON;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ctypes[] = {"application/json", "application/x-www-form-urlencoded",
                                         "multipart/form-data; boundary=XyZ"};
    const struct hilo_config c = config();
    char *body, err[256];
    if (size < 1)
        return 0;
    /* a NUL-terminated copy: the server's bodies are too */
    if (!(body = malloc(size)))
        return 0;
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    struct hilo_http_header h[] = {{"content-type", ctypes[data[0] % 3]},
                                   {"x-hub-signature-256", "sha256=00"},
                                   {"x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8="}};
    for (size_t i = 0; i < hilo_channel_count(); i++) {
        const struct hilo_channel_ops *o = hilo_channel_at(i);
        for (const char *const *p = o->hooks; p && *p; p++) {
            struct hilo_http_in in = {.method = "POST", .path = *p, .query = body, .headers = h,
                                      .nheaders = 3, .body = body, .body_len = size - 1,
                                      .now_s = 1700000000};
            struct hilo_inbound *m = NULL;
            struct hilo_delivery *d = NULL;
            if (o->handshake)
                free(o->handshake(&c, &in));
            if (!documented(o->verify(&c, &in, err, sizeof err)))
                abort();
            if (o->parse) {
                if (!documented(o->parse(&in, &m, &d, err, sizeof err)))
                    abort();
                for (struct hilo_inbound *x = m; x; x = x->next)
                    if (!x->channel || !x->provider || !x->provider_id || !x->from || !x->text ||
                        !x->extra_json || !x->subject || !x->references)
                        abort();
            }
            hilo_inbound_free(m);
            hilo_delivery_free(d);
        }
    }
    free(body);
    return 0;
}
