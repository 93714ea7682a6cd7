/* libFuzzer driver: WhatsApp webhook body (JSON), signature header, GET
 * handshake query and send responses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    char err[128], *id = NULL, *s;
    int retry, window;

    hilo_whatsapp_parse(body, size, &msgs, &st, err, sizeof(err));
    for (struct hilo_inbound *m = msgs; m; m = m->next) {
        /* Contract: every string present, extra_json an object. */
        if (!m->text || !m->extra_json || m->extra_json[0] != '{' || !m->from || !m->type)
            abort();
        /* What we parsed must be buildable again (valid UTF-8). */
        s = hilo_whatsapp_build_text(m->from, m->text, m->provider_id);
        if (!s)
            abort();
        free(s);
    }
    for (struct hilo_delivery *d = st; d; d = d->next)
        if (!d->status || !d->error || !d->provider_id)
            abort();
    hilo_inbound_free(msgs);
    hilo_delivery_free(st);

    if (hilo_whatsapp_parse_send_response(400, body, size, &id, &retry, &window, err, sizeof(err)) == 0)
        free(id);
    if (hilo_whatsapp_parse_send_response(200, body, size, &id, &retry, &window, err, sizeof(err)) == 0)
        free(id);

    char *z = malloc(size + 1);
    if (!z)
        return 0;
    memcpy(z, data, size);
    z[size] = '\0';
    hilo_whatsapp_verify_signature("secret", body, size, z);
    free(hilo_whatsapp_verify_handshake("token", z));
    free(z);
    return 0;
}
