/* libFuzzer driver: Mailgun route POSTs. The first line of the input is the
 * Content-Type; a multipart one selects the multipart parser, anything else
 * the urlencoded one. The rest is the body; it is also read as an event
 * webhook's JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ctlen = nl ? (size_t)(nl - data) : 0;
    char *ct = malloc(ctlen + 1);
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    struct hilo_delivery *d = NULL;
    int r;

    if (!ct)
        return 0;
    memcpy(ct, data, ctlen);
    ct[ctlen] = '\0';
    const char *body = (const char *)data + (nl ? ctlen + 1 : 0);
    size_t blen = size - (nl ? ctlen + 1 : 0);
    if (strncmp(ct, "multipart/", 10) == 0)
        r = hilo_form_parse_multipart(body, blen, ct, &f);
    else
        r = hilo_form_parse(body, blen, &f);
    if (r == 0) {
        if (hilo_mailgun_parse_all(&f, &m, &d) == 0 && !d &&
            (!m || !m->text || !m->from || m->extra_json[0] != '{'))
            abort();
        for (struct hilo_delivery *x = d; x; x = x->next) /* a bounce: always ours, failed */
            if (!x->provider || strncmp(x->provider_id, "hilo.", 5) != 0 || strcmp(x->status, "failed"))
                abort();
        hilo_delivery_free(d);
        d = NULL;
        hilo_mailgun_verify("key", hilo_form_get(&f, "timestamp"), hilo_form_get(&f, "token"),
                            hilo_form_get(&f, "signature"), 1700000000, 300);
        hilo_inbound_free(m);
        hilo_form_free(&f);
    }
    if (hilo_mailgun_events_parse(body, blen, &d) == 0)
        for (struct hilo_delivery *x = d; x; x = x->next)
            if (!x->provider || !*x->provider_id)
                abort();
    hilo_delivery_free(d);
    free(ct);
    return 0;
}
