/* The inbound pipeline's pure decisions (include/hilo/inbound.h): which
 * ticket a message names, what is written with it, and what the write's
 * outcome decides (issue #8). No Redis, no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hilo/common.h"
#include "hilo/inbound.h"

/* A message with every string set, as the channel parsers make them. */
static struct hilo_inbound msg(const char *channel, const char *provider, const char *from,
                               const char *text)
{
    struct hilo_inbound m;
    memset(&m, 0, sizeof m);
    m.channel = (char *)channel;
    m.provider = (char *)provider;
    m.provider_id = (char *)"id1";
    m.from = (char *)from;
    m.from_name = m.to = m.extra_json = m.ref_hint = m.subject = (char *)"";
    m.message_id = m.in_reply_to = m.references = (char *)"";
    m.type = (char *)"text";
    m.text = (char *)text;
    return m;
}

/* 4071826 + its Damm check digit */
#define REF "40718260"

static void find_ref(void **state)
{
    char out[HILO_REF_MAX];
    (void)state;
    assert_int_equal(hilo_inbound_find_ref("my ticket is 4071 8260, thanks", out), 0);
    assert_string_equal(out, REF);
    assert_int_equal(hilo_inbound_find_ref("ref 4071-8260", out), 0);
    assert_string_equal(out, REF);
    assert_int_equal(hilo_inbound_find_ref("check digit wrong 40718261", out), -1);
    assert_int_equal(hilo_inbound_find_ref("too long 1407182600", out), -1);
    assert_int_equal(hilo_inbound_find_ref("", out), -1);
    assert_int_equal(hilo_inbound_find_ref(NULL, out), -1);
}

static void quoted_ref_order(void **state)
{
    char out[HILO_REF_MAX];
    struct hilo_inbound m = msg("email", "mailgun", "ana@example.org", "nothing here");
    (void)state;
    assert_int_equal(hilo_inbound_quoted_ref(&m, NULL, out), -1);
    assert_string_equal(out, "");
    m.subject = (char *)"Re: Order [#" REF "]";
    assert_int_equal(hilo_inbound_quoted_ref(&m, NULL, out), 0);
    assert_string_equal(out, REF);
    /* the text before the subject, the hint before the text, the answered
     * email's ticket before everything */
    m.subject = (char *)"";
    m.text = (char *)"about " REF;
    assert_int_equal(hilo_inbound_quoted_ref(&m, "", out), 0);
    assert_string_equal(out, REF);
    m.ref_hint = (char *)"54071822";
    m.text = (char *)"nothing";
    assert_int_equal(hilo_inbound_quoted_ref(&m, NULL, out), 0);
    assert_string_equal(out, "54071822");
    m.ref_hint = (char *)"";
    assert_int_equal(hilo_inbound_quoted_ref(&m, REF, out), 0);
    assert_string_equal(out, REF);
    /* a stored value that is no reference is skipped */
    assert_int_equal(hilo_inbound_quoted_ref(&m, "junk", out), -1);
}

static void ticket_takes(void **state)
{
    (void)state;
    assert_true(hilo_inbound_ticket_takes("open", "c1"));
    assert_true(hilo_inbound_ticket_takes("resolved", "c1")); /* reopened by the message */
    assert_true(hilo_inbound_ticket_takes("pending", ""));
    assert_false(hilo_inbound_ticket_takes("closed", "c1"));
    assert_false(hilo_inbound_ticket_takes(NULL, "c1"));
    assert_false(hilo_inbound_ticket_takes("", "c1"));
    assert_false(hilo_inbound_ticket_takes("open", NULL));
}

static void identity_and_reply_id(void **state)
{
    char id[64], rid[64];
    struct hilo_inbound wa = msg("whatsapp", "whatsapp", "+16505551234", "hi");
    struct hilo_inbound em = msg("email", "mailgun", "ana@example.org", "hi");
    struct hilo_inbound vo = msg("voice", "twilio", "+16505551234", "hi");
    (void)state;
    assert_int_equal(hilo_inbound_identity(&wa, id, sizeof id), 0);
    assert_string_equal(id, "phone:+16505551234");
    assert_int_equal(hilo_inbound_identity(&em, id, sizeof id), 0);
    assert_string_equal(id, "email:ana@example.org");
    assert_int_equal(hilo_inbound_identity(&vo, id, sizeof id), 0);
    assert_string_equal(id, "phone:+16505551234");
    assert_int_equal(hilo_inbound_identity(&em, id, 8), -1);

    /* withheld callers never share an identity */
    struct hilo_inbound an1 = msg("voice", "twilio", "+266696687", "hi");
    struct hilo_inbound an2 = msg("voice", "twilio", "Anonymous", "hi");
    an1.provider_id = (char *)"CA1";
    an2.provider_id = (char *)"CA2";
    assert_int_equal(hilo_inbound_identity(&an1, id, sizeof id), 0);
    assert_string_equal(id, "withheld:CA1");
    assert_int_equal(hilo_inbound_identity(&an2, id, sizeof id), 0);
    assert_string_equal(id, "withheld:CA2");
    /* a call's items ("<CallSid>:<step>") are one identity: the call */
    an1.provider_id = (char *)"CA1:start";
    assert_int_equal(hilo_inbound_identity(&an1, id, sizeof id), 0);
    assert_string_equal(id, "withheld:CA1");
    an1.provider_id = (char *)"CA1:code2";
    assert_int_equal(hilo_inbound_identity(&an1, id, sizeof id), 0);
    assert_string_equal(id, "withheld:CA1");
    assert_true(hilo_inbound_withheld("Restricted"));
    assert_true(hilo_inbound_withheld(""));
    assert_true(hilo_inbound_withheld("+7378742833"));
    assert_false(hilo_inbound_withheld("+16505551234"));

    /* WhatsApp business-scoped user ids: alone, the sender is its BSUID
     * (never a withheld number); beside a phone, the second identity */
    char id2[64];
    struct hilo_inbound bs = msg("whatsapp", "whatsapp", "US.13491208655302741918", "hi");
    bs.user_id = (char *)"US.13491208655302741918";
    assert_int_equal(hilo_inbound_identity(&bs, id, sizeof id), 0);
    assert_string_equal(id, "bsuid:US.13491208655302741918");
    assert_int_equal(hilo_inbound_identity2(&bs, id2, sizeof id2), 0);
    assert_string_equal(id2, "");
    bs.from = (char *)"+16505551234";
    assert_int_equal(hilo_inbound_identity(&bs, id, sizeof id), 0);
    assert_string_equal(id, "phone:+16505551234");
    assert_int_equal(hilo_inbound_identity2(&bs, id2, sizeof id2), 0);
    assert_string_equal(id2, "bsuid:US.13491208655302741918");
    assert_int_equal(hilo_inbound_identity2(&wa, id2, sizeof id2), 0);
    assert_string_equal(id2, "");

    hilo_inbound_reply_id(&em, rid, sizeof rid);
    assert_string_equal(rid, "");
    em.references = (char *)"<a@x> <b@x>";
    hilo_inbound_reply_id(&em, rid, sizeof rid);
    assert_string_equal(rid, "b@x");
    em.in_reply_to = (char *)"<c@x>";
    hilo_inbound_reply_id(&em, rid, sizeof rid);
    assert_string_equal(rid, "c@x");
}

static void fill_text(void **state)
{
    struct hilo_inbound m = msg("whatsapp", "whatsapp", "+1", "");
    (void)state;
    m.text = strdup("");
    m.type = (char *)"sticker";
    assert_int_equal(hilo_inbound_fill_text(&m), 0);
    assert_string_equal(m.text, "[sticker]");
    assert_int_equal(hilo_inbound_fill_text(&m), 0);
    assert_string_equal(m.text, "[sticker]");
    free(m.text);
}

static const char *field(const char **f, int n, const char *name)
{
    for (int i = 0; i + 1 < n; i += 2)
        if (strcmp(f[i], name) == 0)
            return f[i + 1];
    return NULL;
}

static void ticket_and_route_fields(void **state)
{
    const char *f[HILO_INBOUND_MAX_FIELDS], *route[HILO_OUTBOX_NFIELDS];
    char key[40];
    struct hilo_inbound cloud = msg("whatsapp", "whatsapp", "+16505551234", "hi");
    struct hilo_inbound tw = msg("whatsapp", "twilio", "+16505551234", "hi");
    struct hilo_inbound sms = msg("sms", "twilio", "+16505551234", "hi");
    struct hilo_inbound em = msg("email", "mailgun", "ana@example.org", "hi");
    int n;
    (void)state;
    n = hilo_inbound_ticket_fields(&cloud, f, key, sizeof key);
    assert_int_equal(n, 4);
    assert_string_equal(field(f, n, "addr:whatsapp"), "+16505551234");
    assert_string_equal(field(f, n, "wa_via"), "cloud");
    n = hilo_inbound_ticket_fields(&tw, f, key, sizeof key);
    assert_string_equal(field(f, n, "wa_via"), "twilio");
    n = hilo_inbound_ticket_fields(&sms, f, key, sizeof key);
    assert_int_equal(n, 2);
    assert_string_equal(field(f, n, "addr:sms"), "+16505551234");
    em.subject = (char *)"Help";
    em.message_id = (char *)"<m1@x>";
    n = hilo_inbound_ticket_fields(&em, f, key, sizeof key);
    assert_int_equal(n, 8);
    assert_string_equal(field(f, n, "email_subject"), "Help");
    assert_string_equal(field(f, n, "email_last_msgid"), "<m1@x>");

    /* the acknowledgement's route reads the same fields */
    hilo_inbound_route_fields(&em, f, n, "es", route);
    for (int i = 0; i < HILO_OUTBOX_NFIELDS; i++) {
        const char *name = hilo_outbox_ticket_fields[i];
        if (strcmp(name, "last_channel") == 0)
            assert_string_equal(route[i], "email");
        else if (strcmp(name, "addr:email") == 0)
            assert_string_equal(route[i], "ana@example.org");
        else if (strcmp(name, "email_subject") == 0)
            assert_string_equal(route[i], "Help");
        else if (strcmp(name, "locale") == 0)
            assert_string_equal(route[i], "es");
        else if (strcmp(name, "email_last_msgid") == 0)
            assert_string_equal(route[i], "<m1@x>");
        else if (strcmp(name, "email_refs") != 0)
            assert_string_equal(route[i], "");
    }
}

/* Issue #8: only a stored message is marked seen; a ticket closed under
 * the write sends the message to a new ticket; nothing stored is retried. */
static void after_append(void **state)
{
    (void)state;
    assert_int_equal(hilo_inbound_after_append(0), HILO_INBOUND_STORED);
    assert_int_equal(hilo_inbound_after_append(-HILO_EBADSTATE), HILO_INBOUND_NEW_TICKET);
    assert_int_equal(hilo_inbound_after_append(-HILO_EUNAVAIL), HILO_INBOUND_RETRY);
    assert_int_equal(hilo_inbound_after_append(-HILO_EUNKNOWNTICKET), HILO_INBOUND_FAIL);
    assert_int_equal(hilo_inbound_after_append(-HILO_EINTERNAL), HILO_INBOUND_FAIL);
}

static void voice_kinds(void **state)
{
    (void)state;
    assert_int_equal(hilo_voice_kind_of("/webhooks/twilio/voice"), HILO_VOICE_INCOMING);
    assert_int_equal(hilo_voice_kind_of("/webhooks/twilio/voice/gather"), HILO_VOICE_GATHER);
    assert_int_equal(hilo_voice_kind_of("/webhooks/twilio/voice/recording"), HILO_VOICE_RECORDING);
    assert_int_equal(hilo_voice_kind_of("/webhooks/twilio/voice/transcription"),
                     HILO_VOICE_TRANSCRIPTION);
    assert_int_equal(hilo_voice_kind_of("/webhooks/twilio/voice/status"), HILO_VOICE_STATUS);
    assert_int_equal(hilo_voice_kind_of("/webhooks/twilio/voice/x"), -1);
    assert_int_equal(hilo_voice_kind_of(NULL), -1);
    /* every voice webhook the channel row answers has a kind */
    for (const char *const *h = hilo_channel_voice_twilio.hooks; *h; h++)
        assert_true(hilo_voice_kind_of(*h) >= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_ref),
        cmocka_unit_test(quoted_ref_order),
        cmocka_unit_test(ticket_takes),
        cmocka_unit_test(identity_and_reply_id),
        cmocka_unit_test(fill_text),
        cmocka_unit_test(ticket_and_route_fields),
        cmocka_unit_test(after_append),
        cmocka_unit_test(voice_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
