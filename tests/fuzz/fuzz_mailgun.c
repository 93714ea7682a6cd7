/* libFuzzer driver: Mailgun route POSTs. The first line of the input is the
 * Content-Type; a multipart one selects the multipart parser, anything else
 * the urlencoded one. The rest is the body. */
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
        if (hilo_mailgun_parse(&f, &m) == 0 && (!m || !m->text || !m->from || m->extra_json[0] != '{'))
            abort();
        hilo_mailgun_verify("key", hilo_form_get(&f, "timestamp"), hilo_form_get(&f, "token"),
                            hilo_form_get(&f, "signature"), 1700000000, 300);
        hilo_inbound_free(m);
        hilo_form_free(&f);
    }
    free(ct);
    return 0;
}
