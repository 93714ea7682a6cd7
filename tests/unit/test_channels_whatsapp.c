#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "hilo/channels.h"

/* Meta's text example (PROVIDERS.md 1.3), byte for byte. */
static const char text_sample[] =
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{\"value\":{"
    "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\",\"phone_number_id\":"
    "\"106540352242922\"},\"contacts\":[{\"profile\":{\"name\":\"Sheena Nelson\"},\"wa_id\":\"16505551234\"}],"
    "\"messages\":[{\"from\":\"16505551234\",\"id\":\"wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=\","
    "\"timestamp\":\"1749416383\",\"type\":\"text\",\"text\":{\"body\":\"Does it come in another color?\"}}]},"
    "\"field\":\"messages\"}]}]}";

#define ENVELOPE(VALUE)                                                                            \
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{\"value\":{" \
    "\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550783881\","      \
    "\"phone_number_id\":\"106540352242922\"}," VALUE "},\"field\":\"messages\"}]}]}"
#define CONTACT "\"contacts\":[{\"profile\":{\"name\":\"Sheena Nelson\"},\"wa_id\":\"16505551234\"}],"

static json_t *extra_of(const struct hilo_inbound *m)
{
    json_t *j = json_loads(m->extra_json, 0, NULL);
    assert_non_null(j);
    assert_true(json_is_object(j));
    return j;
}

static struct hilo_inbound *parse_one(const char *body)
{
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    char err[128] = "";
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, err, sizeof(err)), 0);
    assert_null(st);
    assert_non_null(msgs);
    assert_null(msgs->next);
    return msgs;
}

static void verifies_signature(void **state)
{
    (void)state;
    /* Expected values computed with openssl dgst -sha256 -hmac. */
    const char *good = "sha256=ded1d1d9621cffa39832ccf2b330fa476b4dc8ec2a5d102e1e554312b3f21d42";
    assert_int_equal(hilo_whatsapp_verify_signature("test_app_secret", text_sample, strlen(text_sample), good), 0);
    /* x-hub-signature's documented vector: body "test", key TEST_APP_SECRET. */
    assert_int_equal(hilo_whatsapp_verify_signature(
                         "TEST_APP_SECRET", "test", 4,
                         "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"),
                     0);
    /* Uppercase hex is the same digest. */
    assert_int_equal(hilo_whatsapp_verify_signature(
                         "TEST_APP_SECRET", "test", 4,
                         "sha256=0C61947B610D4F45E65F3D680E26027121EC2413E77598BCB6CFC6E0D9888221"),
                     0);
    /* One body byte changed, wrong secret, wrong prefix, truncated, missing. */
    assert_int_equal(hilo_whatsapp_verify_signature("test_app_secret", text_sample, strlen(text_sample) - 1, good), -1);
    assert_int_equal(hilo_whatsapp_verify_signature("other", text_sample, strlen(text_sample), good), -1);
    assert_int_equal(hilo_whatsapp_verify_signature("test_app_secret", text_sample, strlen(text_sample), good + 7), -1);
    assert_int_equal(hilo_whatsapp_verify_signature(
                         "TEST_APP_SECRET", "test", 4,
                         "sha1=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221"),
                     -1);
    assert_int_equal(hilo_whatsapp_verify_signature("TEST_APP_SECRET", "test", 4,
                                                    "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d98882"),
                     -1);
    assert_int_equal(hilo_whatsapp_verify_signature(
                         "TEST_APP_SECRET", "test", 4,
                         "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d988822x"),
                     -1);
    assert_int_equal(hilo_whatsapp_verify_signature("TEST_APP_SECRET", "test", 4, NULL), -1);
    assert_int_equal(hilo_whatsapp_verify_signature("", "test", 4, good), -1);
}

static void answers_handshake(void **state)
{
    char *c;
    (void)state;
    c = hilo_whatsapp_verify_handshake("vibecoding",
                                       "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=vibecoding");
    assert_non_null(c);
    assert_string_equal(c, "1158201444");
    free(c);
    /* Token is URL-decoded before comparing. */
    c = hilo_whatsapp_verify_handshake("my token&more", "hub.verify_token=my+token%26more&hub.mode=subscribe&hub.challenge=42");
    assert_non_null(c);
    assert_string_equal(c, "42");
    free(c);
    assert_null(hilo_whatsapp_verify_handshake("vibecoding", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong"));
    assert_null(hilo_whatsapp_verify_handshake("vibecoding", "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=vibecoding"));
    assert_null(hilo_whatsapp_verify_handshake("vibecoding", "hub.mode=subscribe&hub.verify_token=vibecoding"));
    assert_null(hilo_whatsapp_verify_handshake("vibecoding", "hub.mode=subscribe&hub.challenge=%3Cscript%3E&hub.verify_token=vibecoding"));
    assert_null(hilo_whatsapp_verify_handshake("vibecoding", "hub.mode=subscribe&hub.challenge=1&hub.verify_token=vibecodin"));
    assert_null(hilo_whatsapp_verify_handshake("", "hub.mode=subscribe&hub.challenge=1&hub.verify_token="));
    assert_null(hilo_whatsapp_verify_handshake("vibecoding", "hub.mode=subscribe&hub.challenge=%zz&hub.verify_token=vibecoding"));
}

static void parses_text_sample(void **state)
{
    struct hilo_inbound *m = parse_one(text_sample);
    (void)state;
    assert_string_equal(m->channel, "whatsapp");
    assert_string_equal(m->provider, "whatsapp");
    assert_string_equal(m->provider_id, "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=");
    assert_string_equal(m->from, "+16505551234");
    assert_string_equal(m->from_name, "Sheena Nelson");
    assert_string_equal(m->to, "15550783881");
    assert_string_equal(m->type, "text");
    assert_string_equal(m->text, "Does it come in another color?");
    assert_string_equal(m->extra_json, "{\"phone_number_id\":\"106540352242922\"}");
    assert_string_equal(m->ref_hint, "");
    assert_string_equal(m->subject, "");
    assert_true(m->ts_ms == INT64_C(1749416383000));
    hilo_inbound_free(m);
}

static void parses_image_with_context(void **state)
{
    static const char body[] = ENVELOPE(
        CONTACT "\"messages\":[{\"context\":{\"from\":\"15550783881\",\"id\":\"wamid.PARENT\"},\"from\":\"16505551234\","
        "\"id\":\"wamid.IMG\",\"timestamp\":\"1744344496\",\"type\":\"image\",\"image\":{\"caption\":\"Broken cup \\u2615\","
        "\"mime_type\":\"image/jpeg\",\"sha256\":\"SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=\",\"id\":\"1003383421387256\","
        "\"url\":\"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256\"}}]");
    struct hilo_inbound *m = parse_one(body);
    json_t *x = extra_of(m);
    (void)state;
    assert_string_equal(m->type, "image");
    assert_string_equal(m->text, "Broken cup \xE2\x98\x95");
    json_t *media = json_object_get(x, "media");
    assert_string_equal(json_string_value(json_object_get(media, "id")), "1003383421387256");
    assert_string_equal(json_string_value(json_object_get(media, "mime_type")), "image/jpeg");
    assert_string_equal(json_string_value(json_object_get(media, "sha256")), "SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=");
    assert_string_equal(json_string_value(json_object_get(media, "caption")), "Broken cup \xE2\x98\x95");
    assert_string_equal(json_string_value(json_object_get(json_object_get(x, "context"), "id")), "wamid.PARENT");
    json_decref(x);
    hilo_inbound_free(m);
}

static void parses_document_and_audio(void **state)
{
    static const char body[] = ENVELOPE(
        CONTACT "\"messages\":[{\"from\":\"16505551234\",\"id\":\"wamid.DOC\",\"timestamp\":\"1744344496\",\"type\":\"document\","
        "\"document\":{\"filename\":\"invoice.pdf\",\"mime_type\":\"application/pdf\",\"sha256\":\"abc=\",\"id\":\"555\"}},"
        "{\"from\":\"16505551234\",\"id\":\"wamid.VOICE\",\"timestamp\":\"1744344497\",\"type\":\"audio\","
        "\"audio\":{\"mime_type\":\"audio/ogg; codecs=opus\",\"sha256\":\"x=\",\"id\":\"556\",\"voice\":true}}]");
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, NULL, 0), 0);
    assert_non_null(msgs);
    assert_non_null(msgs->next);
    assert_string_equal(msgs->type, "document");
    assert_string_equal(msgs->text, "");
    assert_string_equal(msgs->extra_json,
                        "{\"media\":{\"id\":\"555\",\"mime_type\":\"application/pdf\",\"sha256\":\"abc=\","
                        "\"filename\":\"invoice.pdf\"},\"phone_number_id\":\"106540352242922\"}");
    assert_string_equal(msgs->next->type, "audio");
    json_t *x = extra_of(msgs->next);
    assert_true(json_is_true(json_object_get(json_object_get(x, "media"), "voice")));
    json_decref(x);
    hilo_inbound_free(msgs);
}

static void parses_interactive_and_button(void **state)
{
    static const char body[] = ENVELOPE(
        CONTACT "\"messages\":[{\"context\":{\"from\":\"15550783881\",\"id\":\"wamid.Q\"},\"from\":\"16505551234\","
        "\"id\":\"wamid.LIST\",\"timestamp\":\"1744344496\",\"type\":\"interactive\",\"interactive\":{\"type\":\"list_reply\","
        "\"list_reply\":{\"id\":\"priority_express\",\"title\":\"Express Shipping\",\"description\":\"Next Day\"}}},"
        "{\"context\":{\"from\":\"15550783881\",\"id\":\"wamid.Q\"},\"from\":\"16505551234\",\"id\":\"wamid.BTN\","
        "\"timestamp\":\"1744344497\",\"type\":\"interactive\",\"interactive\":{\"type\":\"button_reply\","
        "\"button_reply\":{\"id\":\"yes\",\"title\":\"Yes, cancel\"}}},"
        "{\"from\":\"16505551234\",\"id\":\"wamid.TPL\",\"timestamp\":\"1744344498\",\"type\":\"button\","
        "\"button\":{\"payload\":\"STOP\",\"text\":\"Stop promotions\"}}]");
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, NULL, 0), 0);
    assert_string_equal(msgs->type, "interactive");
    assert_string_equal(msgs->text, "Express Shipping");
    json_t *x = extra_of(msgs);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(x, "interactive"), "list_reply"), "id")),
                        "priority_express");
    assert_string_equal(json_string_value(json_object_get(json_object_get(x, "context"), "id")), "wamid.Q");
    json_decref(x);
    assert_string_equal(msgs->next->text, "Yes, cancel");
    assert_string_equal(msgs->next->next->type, "button");
    assert_string_equal(msgs->next->next->text, "Stop promotions");
    x = extra_of(msgs->next->next);
    assert_string_equal(json_string_value(json_object_get(json_object_get(x, "button"), "payload")), "STOP");
    json_decref(x);
    assert_null(msgs->next->next->next);
    hilo_inbound_free(msgs);
}

static void parses_location_and_contacts(void **state)
{
    static const char body[] = ENVELOPE(
        CONTACT "\"messages\":[{\"from\":\"16505551234\",\"id\":\"wamid.LOC\",\"timestamp\":\"1744344496\",\"type\":\"location\","
        "\"location\":{\"address\":\"1 Hacker Way, Menlo Park, CA 94025\",\"latitude\":40.782910059774,"
        "\"longitude\":-73.959075808525,\"name\":\"Philz Coffee\",\"url\":\"https://philzcoffee.com\"}},"
        "{\"from\":\"16505551234\",\"id\":\"wamid.PIN\",\"timestamp\":\"1744344496\",\"type\":\"location\","
        "\"location\":{\"latitude\":37.4,\"longitude\":-122.1}},"
        "{\"from\":\"16505551234\",\"id\":\"wamid.VCARD\",\"timestamp\":\"1744344497\",\"type\":\"contacts\","
        "\"contacts\":[{\"name\":{\"formatted_name\":\"Barbara J. Johnson\",\"first_name\":\"Barbara\"},"
        "\"phones\":[{\"phone\":\"+1 (415) 555-0123\",\"wa_id\":\"14155550123\",\"type\":\"MOBILE\"}]},"
        "{\"name\":{\"first_name\":\"Ann\"}},{\"org\":{\"company\":\"NoName\"}}]}]");
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, NULL, 0), 0);
    assert_string_equal(msgs->type, "location");
    assert_string_equal(msgs->text, "\xF0\x9F\x93\x8D Philz Coffee, 1 Hacker Way, Menlo Park, CA 94025 "
                                    "(40.782910059774, -73.959075808525)");
    json_t *x = extra_of(msgs);
    assert_true(json_real_value(json_object_get(json_object_get(x, "location"), "latitude")) == 40.782910059774);
    json_decref(x);
    assert_string_equal(msgs->next->text, "\xF0\x9F\x93\x8D (37.4, -122.1)");
    struct hilo_inbound *c = msgs->next->next;
    assert_string_equal(c->type, "contacts");
    assert_string_equal(c->text, "Barbara J. Johnson, Ann");
    x = extra_of(c);
    assert_int_equal(json_array_size(json_object_get(x, "contacts")), 3);
    json_decref(x);
    hilo_inbound_free(msgs);
}

static void keeps_unknown_and_unsupported_types(void **state)
{
    static const char body[] = ENVELOPE(
        CONTACT "\"messages\":[{\"from\":\"16505551234\",\"id\":\"wamid.U\",\"timestamp\":\"1744344496\",\"type\":\"unsupported\","
        "\"errors\":[{\"code\":131051,\"title\":\"Message type unknown\",\"message\":\"Message type unknown\"}]},"
        "{\"from\":\"16505551234\",\"id\":\"wamid.NEW\",\"timestamp\":\"1744344497\",\"type\":\"hologram\","
        "\"hologram\":{\"shape\":\"cube\"}},"
        "{\"from\":\"16505551234\",\"id\":\"wamid.R\",\"timestamp\":\"1744344498\",\"type\":\"reaction\","
        "\"reaction\":{\"message_id\":\"wamid.OUT\",\"emoji\":\"\\ud83d\\udc4d\"}},"
        "{\"id\":\"wamid.NOFROM\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}]");
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, NULL, 0), 0);
    assert_string_equal(msgs->type, "unsupported");
    assert_string_equal(msgs->text, "");
    json_t *x = extra_of(msgs);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(x, "errors"), 0), "code")), 131051);
    json_decref(x);
    assert_string_equal(msgs->next->type, "hologram");
    assert_string_equal(msgs->next->extra_json, "{\"hologram\":{\"shape\":\"cube\"},\"phone_number_id\":\"106540352242922\"}");
    assert_string_equal(msgs->next->next->type, "reaction");
    assert_string_equal(msgs->next->next->text, "\xF0\x9F\x91\x8D");
    assert_null(msgs->next->next->next); /* the one without "from" is skipped */
    hilo_inbound_free(msgs);
}

static void parses_statuses_with_errors(void **state)
{
    static const char body[] = ENVELOPE(
        "\"statuses\":[{\"id\":\"wamid.S1\",\"status\":\"delivered\",\"timestamp\":\"1750030073\",\"recipient_id\":\"16505551234\","
        "\"pricing\":{\"billable\":true,\"pricing_model\":\"PMP\",\"category\":\"service\"}},"
        "{\"id\":\"wamid.S2\",\"status\":\"failed\",\"timestamp\":\"1750030074\",\"recipient_id\":\"16505551234\","
        "\"errors\":[{\"code\":131047,\"title\":\"Re-engagement message\",\"message\":\"Re-engagement message\","
        "\"error_data\":{\"details\":\"Message failed to send because more than 24 hours have passed since the customer last replied to this number.\"},"
        "\"href\":\"/documentation/business-messaging/whatsapp/support/error-codes\"}]},"
        "{\"id\":\"wamid.S3\",\"status\":\"played\",\"timestamp\":\"1750030075\",\"recipient_id\":\"16505551234\"},"
        "{\"id\":\"wamid.S4\",\"status\":\"READ\",\"timestamp\":\"1750030076\",\"recipient_id\":\"16505551234\"}]");
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, NULL, 0), 0);
    assert_null(msgs);
    assert_string_equal(st->provider_id, "wamid.S1");
    assert_string_equal(st->status, "delivered");
    assert_string_equal(st->error, "");
    assert_true(st->ts_ms == INT64_C(1750030073000));
    assert_string_equal(st->next->status, "failed");
    assert_string_equal(st->next->error, "131047: Re-engagement message");
    assert_string_equal(st->next->next->status, "read");
    assert_string_equal(st->next->next->next->status, "read");
    assert_int_equal(hilo_delivery_rank(st->next->status), 5);
    hilo_delivery_free(st);
}

/* The outbox's marker comes back with a status (docs/delivery.md). */
static void status_carries_the_marker(void **state)
{
    static const char body[] = ENVELOPE(
        "\"statuses\":[{\"id\":\"wamid.M1\",\"status\":\"sent\",\"timestamp\":\"1750030073\",\"recipient_id\":\"16505551234\","
        "\"biz_opaque_callback_data\":\"hilo:40718263:1750030070000-0\"},"
        "{\"id\":\"wamid.M2\",\"status\":\"sent\",\"timestamp\":\"1750030073\",\"recipient_id\":\"16505551234\"}]");
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, NULL, 0), 0);
    assert_string_equal(st->marker, "hilo:40718263:1750030070000-0");
    assert_null(st->next->marker);
    hilo_delivery_free(st);
}

static void handles_several_entries_and_other_fields(void **state)
{
    static const char body[] =
        "{\"object\":\"whatsapp_business_account\",\"entry\":["
        "{\"id\":\"W1\",\"changes\":[{\"field\":\"message_template_status_update\",\"value\":{\"event\":\"APPROVED\","
        "\"message_template_id\":1,\"messages\":[{\"from\":\"1\",\"id\":\"should-not-appear\",\"type\":\"text\"}]}},"
        "{\"field\":\"messages\",\"value\":{\"metadata\":{\"display_phone_number\":\"15550000001\",\"phone_number_id\":\"P1\"},"
        "\"messages\":[{\"from\":\"4915112345678\",\"id\":\"wamid.A\",\"timestamp\":\"1\",\"type\":\"text\",\"text\":{\"body\":\"a\"}}]}}]},"
        "{\"id\":\"W2\",\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"display_phone_number\":\"15550000002\",\"phone_number_id\":\"P2\"},"
        "\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"5215512345678\"}],"
        "\"messages\":[{\"from\":\"5215512345678\",\"id\":\"wamid.B\",\"timestamp\":\"2\",\"type\":\"text\",\"text\":{\"body\":\"b\"}}],"
        "\"statuses\":[{\"id\":\"wamid.OUT\",\"status\":\"sent\",\"timestamp\":\"3\"}]}}]},"
        "{\"id\":\"W3\"}]}";
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse(body, strlen(body), &msgs, &st, NULL, 0), 0);
    assert_string_equal(msgs->provider_id, "wamid.A");
    assert_string_equal(msgs->from, "+4915112345678");
    assert_string_equal(msgs->from_name, "");
    assert_string_equal(msgs->to, "15550000001");
    assert_string_equal(msgs->extra_json, "{\"phone_number_id\":\"P1\"}");
    assert_string_equal(msgs->next->provider_id, "wamid.B");
    assert_string_equal(msgs->next->from_name, "Ana");
    assert_string_equal(msgs->next->to, "15550000002");
    assert_null(msgs->next->next);
    assert_string_equal(st->provider_id, "wamid.OUT");
    assert_string_equal(st->status, "sent");
    assert_null(st->next);
    hilo_inbound_free(msgs);
    hilo_delivery_free(st);
}

static void rejects_malformed(void **state)
{
    struct hilo_inbound *msgs = NULL;
    struct hilo_delivery *st = NULL;
    char err[128];
    (void)state;
    err[0] = '\0';
    assert_int_equal(hilo_whatsapp_parse(text_sample, strlen(text_sample) - 5, &msgs, &st, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "invalid JSON"));
    assert_int_equal(hilo_whatsapp_parse("{\"object\":\"x\"}", 14, &msgs, &st, err, sizeof(err)), -1);
    assert_string_equal(err, "no entry array");
    assert_int_equal(hilo_whatsapp_parse("{\"entry\":{}}", 12, &msgs, &st, err, sizeof(err)), -1);
    assert_int_equal(hilo_whatsapp_parse("[]", 2, &msgs, &st, err, sizeof(err)), -1);
    assert_int_equal(hilo_whatsapp_parse("", 0, &msgs, &st, err, sizeof(err)), -1);
    assert_null(msgs);
    assert_null(st);
    /* Wrong shapes inside are skipped, not fatal. */
    const char *odd = "{\"entry\":[1,{\"changes\":\"x\"},{\"changes\":[{\"field\":\"messages\",\"value\":[]},"
                      "{\"field\":\"messages\",\"value\":{\"messages\":[{\"from\":7,\"id\":\"x\"}],\"statuses\":[{\"id\":\"s\"}]}}]}]}";
    assert_int_equal(hilo_whatsapp_parse(odd, strlen(odd), &msgs, &st, err, sizeof(err)), 0);
    assert_null(msgs);
    assert_null(st);
}

static void builds_text(void **state)
{
    char *s;
    (void)state;
    s = hilo_whatsapp_build_text("+16505551234", "Hi! Ticket \"T123\" is <handled>\n\xC3\xA9", NULL);
    assert_string_equal(s, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"+16505551234\","
                           "\"type\":\"text\",\"text\":{\"preview_url\":false,\"body\":\"Hi! Ticket \\\"T123\\\" is <handled>\\n\xC3\xA9\"}}");
    free(s);
    s = hilo_whatsapp_build_text("+16505551234", "ok", "wamid.X");
    assert_string_equal(s, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"+16505551234\","
                           "\"type\":\"text\",\"context\":{\"message_id\":\"wamid.X\"},\"text\":{\"preview_url\":false,\"body\":\"ok\"}}");
    free(s);
    assert_null(hilo_whatsapp_build_text("", "x", NULL));
    assert_null(hilo_whatsapp_build_text("+1", NULL, NULL));
    assert_null(hilo_whatsapp_build_text("+1", "bad \xC3", NULL));
}

static void builds_template(void **state)
{
    const char *params[] = {"T123", "Ana \"A\""};
    char *s;
    (void)state;
    s = hilo_whatsapp_build_template("16505551234", "ticket_update", "en_US", params, 2);
    assert_string_equal(s, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"16505551234\","
                           "\"type\":\"template\",\"template\":{\"name\":\"ticket_update\",\"language\":{\"code\":\"en_US\"},"
                           "\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":\"text\",\"text\":\"T123\"},"
                           "{\"type\":\"text\",\"text\":\"Ana \\\"A\\\"\"}]}]}}");
    free(s);
    s = hilo_whatsapp_build_template("16505551234", "hello_world", "en_US", NULL, 0);
    assert_string_equal(s, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\",\"to\":\"16505551234\","
                           "\"type\":\"template\",\"template\":{\"name\":\"hello_world\",\"language\":{\"code\":\"en_US\"}}}");
    free(s);
    assert_null(hilo_whatsapp_build_template("1", "", "en", NULL, 0));
    assert_null(hilo_whatsapp_build_template("1", "x", "en", NULL, 1));
}

static void parses_send_responses(void **state)
{
    const char *ok = "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"+16505551234\",\"wa_id\":\"16505551234\"}],"
                     "\"messages\":[{\"id\":\"wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA\"}]}";
    const char *rate = "{\"error\":{\"message\":\"(#130429) Rate limit hit\",\"type\":\"OAuthException\",\"code\":130429,"
                       "\"error_data\":{\"messaging_product\":\"whatsapp\",\"details\":\"Cloud API message throughput has been reached.\"},"
                       "\"error_subcode\":2494055,\"fbtrace_id\":\"Az8or2yhqkZfEZ-_4Qn_Bam\"}}";
    const char *window = "{\"error\":{\"message\":\"(#131047) Re-engagement message\",\"type\":\"OAuthException\",\"code\":131047,"
                         "\"fbtrace_id\":\"x\"}}";
    const char *token = "{\"error\":{\"message\":\"Error validating access token\",\"type\":\"OAuthException\",\"code\":190}}";
    char *id = (char *)1, err[256];
    int retry = -1, win = -1;
    (void)state;
    assert_int_equal(hilo_whatsapp_parse_send_response(200, ok, strlen(ok), &id, &retry, &win, err, sizeof(err)), 0);
    assert_string_equal(id, "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA");
    assert_int_equal(retry, 0);
    assert_int_equal(win, 0);
    free(id);

    assert_int_equal(hilo_whatsapp_parse_send_response(400, rate, strlen(rate), &id, &retry, &win, err, sizeof(err)), -1);
    assert_null(id);
    assert_int_equal(retry, 1);
    assert_int_equal(win, 0);
    assert_string_equal(err, "130429: (#130429) Rate limit hit (Cloud API message throughput has been reached.)");

    assert_int_equal(hilo_whatsapp_parse_send_response(400, window, strlen(window), &id, &retry, &win, err, sizeof(err)), -1);
    assert_int_equal(retry, 0);
    assert_int_equal(win, 1);
    assert_string_equal(err, "131047: (#131047) Re-engagement message");

    assert_int_equal(hilo_whatsapp_parse_send_response(401, token, strlen(token), &id, &retry, &win, err, sizeof(err)), -1);
    assert_int_equal(retry, 0);
    assert_string_equal(err, "190: Error validating access token");

    /* HTTP status alone: 5xx/429 retry even without a JSON body. */
    assert_int_equal(hilo_whatsapp_parse_send_response(503, "<html>", 6, &id, &retry, &win, err, sizeof(err)), -1);
    assert_int_equal(retry, 1);
    assert_string_equal(err, "HTTP 503");
    assert_int_equal(hilo_whatsapp_parse_send_response(429, "", 0, &id, &retry, NULL, NULL, 0), -1);
    assert_int_equal(retry, 1);
    /* 200 without an id: do not retry (might send twice). */
    assert_int_equal(hilo_whatsapp_parse_send_response(200, "{}", 2, &id, &retry, &win, err, sizeof(err)), -1);
    assert_int_equal(retry, 0);
    /* Other retryable codes. */
    const char *codes[] = {"131000", "131016", "1", "2", "4", "80007", "131056"};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char b[128];
        snprintf(b, sizeof(b), "{\"error\":{\"message\":\"m\",\"code\":%s}}", codes[i]);
        assert_int_equal(hilo_whatsapp_parse_send_response(400, b, strlen(b), &id, &retry, &win, err, sizeof(err)), -1);
        assert_int_equal(retry, 1);
    }
    const char *nocodes[] = {"131026", "100", "132000"};
    for (size_t i = 0; i < sizeof(nocodes) / sizeof(nocodes[0]); i++) {
        char b[128];
        snprintf(b, sizeof(b), "{\"error\":{\"message\":\"m\",\"code\":%s}}", nocodes[i]);
        assert_int_equal(hilo_whatsapp_parse_send_response(400, b, strlen(b), &id, &retry, &win, err, sizeof(err)), -1);
        assert_int_equal(retry, 0);
        assert_int_equal(win, 0);
    }
}

/* Since Meta's 2026 change a sender may come with its business-scoped
 * user id (BSUID) and no phone number. */
static void parses_bsuid(void **state)
{
    struct hilo_inbound *m, *msgs = NULL;
    struct hilo_delivery *st = NULL;
    char err[128] = "";
    (void)state;
    /* BSUID only: from is the BSUID, user_id says so */
    m = parse_one(ENVELOPE("\"contacts\":[{\"profile\":{\"name\":\"Ana\",\"username\":\"ana\"},"
                           "\"user_id\":\"US.13491208655302741918\"}],\"messages\":[{\"from_user_id\":"
                           "\"US.13491208655302741918\",\"id\":\"wamid.B1\",\"timestamp\":\"1749416383\","
                           "\"type\":\"text\",\"text\":{\"body\":\"hola\"}}]"));
    assert_string_equal(m->from, "US.13491208655302741918");
    assert_string_equal(m->user_id, "US.13491208655302741918");
    assert_string_equal(m->from_name, "Ana");
    assert_string_equal(m->text, "hola");
    hilo_inbound_free(m);
    /* both: from is the phone; the BSUID from the contact when the message lacks it */
    m = parse_one(ENVELOPE("\"contacts\":[{\"profile\":{\"name\":\"Ana\"},\"wa_id\":\"16505551234\","
                           "\"user_id\":\"US.ENT.11815799212886844830\"}],\"messages\":[{\"from\":"
                           "\"16505551234\",\"id\":\"wamid.B2\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}]"));
    assert_string_equal(m->from, "+16505551234");
    assert_string_equal(m->user_id, "US.ENT.11815799212886844830");
    hilo_inbound_free(m);
    /* the classic payload has no BSUID */
    m = parse_one(text_sample);
    assert_string_equal(m->user_id, "");
    hilo_inbound_free(m);
    /* neither a phone nor a well-formed BSUID: nobody, skipped */
    static const char bad[] = ENVELOPE("\"messages\":[{\"from_user_id\":\"<b>\",\"id\":\"wamid.B3\","
                                       "\"type\":\"text\",\"text\":{\"body\":\"x\"}}]");
    assert_int_equal(hilo_whatsapp_parse(bad, strlen(bad), &msgs, &st, err, sizeof err), 0);
    assert_null(msgs);
    assert_true(hilo_whatsapp_is_bsuid("US.13491208655302741918"));
    assert_false(hilo_whatsapp_is_bsuid("+16505551234"));
    assert_false(hilo_whatsapp_is_bsuid("16505551234"));
    assert_false(hilo_whatsapp_is_bsuid("US13491208655302741918"));
    assert_false(hilo_whatsapp_is_bsuid("US.1\"x"));
    /* a reply to a BSUID goes in "recipient", never "to" */
    char *s = hilo_whatsapp_build_text("US.13491208655302741918", "ok", NULL);
    assert_string_equal(s, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
                           "\"recipient\":\"US.13491208655302741918\",\"type\":\"text\","
                           "\"text\":{\"preview_url\":false,\"body\":\"ok\"}}");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verifies_signature),
        cmocka_unit_test(answers_handshake),
        cmocka_unit_test(parses_text_sample),
        cmocka_unit_test(parses_image_with_context),
        cmocka_unit_test(parses_document_and_audio),
        cmocka_unit_test(parses_interactive_and_button),
        cmocka_unit_test(parses_location_and_contacts),
        cmocka_unit_test(keeps_unknown_and_unsupported_types),
        cmocka_unit_test(parses_statuses_with_errors),
        cmocka_unit_test(status_carries_the_marker),
        cmocka_unit_test(handles_several_entries_and_other_fields),
        cmocka_unit_test(rejects_malformed),
        cmocka_unit_test(builds_text),
        cmocka_unit_test(builds_template),
        cmocka_unit_test(parses_send_responses),
        cmocka_unit_test(parses_bsuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
