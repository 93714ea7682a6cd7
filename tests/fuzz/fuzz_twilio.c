/* libFuzzer driver: Twilio webhook form bodies (message, status, voice) and
 * the signature check over them; also send responses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hilo/channels.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    struct hilo_form f = {0};
    struct hilo_inbound *m = NULL;
    struct hilo_delivery *d = NULL;
    struct hilo_call c;
    char err[128], *sid = NULL;
    int retry;

    if (hilo_form_parse(body, size, &f) == 0) {
        hilo_twilio_verify_signature("12345", "https://hub.example.com/webhooks/twilio/messaging", &f,
                                     "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        if (hilo_twilio_parse_message(&f, &m) == 0 && (!m || !m->text || m->extra_json[0] != '{'))
            abort();
        hilo_twilio_parse_status(&f, &d);
        if (hilo_twilio_parse_call(&f, &c) == 0)
            hilo_call_free(&c);
        hilo_inbound_free(m);
        hilo_delivery_free(d);
        hilo_form_free(&f);
    }
    if (hilo_twilio_parse_send_response(201, body, size, &sid, &retry, err, sizeof(err)) == 0)
        free(sid);
    hilo_twilio_parse_send_response(400, body, size, &sid, &retry, err, sizeof(err));

    /* The input as a URL too (port juggling). */
    char *url = malloc(size + 1);
    if (!url)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    hilo_twilio_verify_signature("12345", url, NULL, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    free(url);
    return 0;
}
