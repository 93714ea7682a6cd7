/* Messaging providers' wire formats: WhatsApp Cloud API, Twilio Messaging and
 * Voice, Mailgun inbound email, outbound RFC 5322 email.
 *
 * Everything here is a pure function on bytes: no sockets, no Redis, no
 * clocks except where a "now" is passed in (hilo_email_build with date_s 0 is
 * the one exception). That keeps every parser unit-testable and fuzzable.
 *
 * Ownership: every returned pointer is malloc'd and owned by the caller
 * unless said otherwise; release lists and structs with the matching _free
 * function, plain strings with free(). Input pointers are borrowed for the
 * duration of the call only. Functions returning char * return NULL on bad
 * arguments or when memory runs out.
 *
 * Provider facts and sources: /work/shared/PROVIDERS.md; set-up guides:
 * docs/channels/. */
#ifndef HILO_CHANNELS_H
#define HILO_CHANNELS_H

#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Normalized inbound messages and delivery updates                          */

/* One inbound message from any provider. Every string field is non-NULL
 * ("" when absent), so consumers never have to NULL-check. */
struct hilo_inbound {
    struct hilo_inbound *next;
    char *channel;     /* "whatsapp" | "sms" | "voice" | "email" */
    char *provider;    /* "whatsapp" | "twilio" | "mailgun" */
    char *provider_id; /* dedupe key: wamid, MessageSid, Message-Id without <> */
    char *from;        /* phone "+16505551234" (E.164 with +) or lowercased email */
    char *from_name;   /* profile/display name or "" */
    char *to;          /* business number / recipient address as given, or "" */
    char *type;        /* "text","image","audio","video","document","sticker",
                        * "location","contacts","interactive","button",
                        * "reaction","unsupported", ...; unknown provider types
                        * keep their own name */
    char *text;        /* what the thread shows: body, caption, button title,
                        * "📍 name, address (lat, long)", contact names... */
    char *extra_json;  /* JSON object with type-specific data; "{}" if none.
                        * WhatsApp: media {id,mime_type,sha256,caption,filename,
                        * url,voice}, location, contacts, interactive, button,
                        * reaction, context, referral, errors, the raw object
                        * under its type name for other types, and always
                        * phone_number_id. Twilio: media [{url,content_type}],
                        * location, button, context, wa_id, referral.
                        * Mailgun: attachments [{field,filename}], recipient,
                        * sender, date. */
    char *ref_hint;    /* email: ticket reference digits from the recipient's
                        * plus-address (support+<digits>@) or the subject
                        * ("[#12345678]", "[1234 5678]"); unvalidated; or "" */
    char *subject;     /* email only, else "" */
    char *message_id;  /* email only: Message-Id header as sent, with <> */
    char *in_reply_to; /* email only: In-Reply-To header, or "" */
    char *references;  /* email only: References header, or "" */
    int64_t ts_ms;     /* provider timestamp in ms, 0 if none */
    char *user_id;     /* WhatsApp Cloud: the sender's business-scoped user id
                        * (BSUID, "US.13491208655302741918"), or "". When the
                        * webhook has no phone number, from is this id. */
    int automatic;     /* email: HILO_AUTO_REPLY (an out-of-office or other
                        * automatic mail: Auto-Submitted, Precedence, ...)
                        * or HILO_AUTO_BOUNCE (a delivery report that proves
                        * no failure of ours); 0 for a person's. Never
                        * answered (RFC 3834, no mail loops), never changes
                        * a ticket (inbound/pipeline.c) */
};
#define HILO_AUTO_REPLY 1
#define HILO_AUTO_BOUNCE 2

/* Status update of an outbound message. */
struct hilo_delivery {
    struct hilo_delivery *next;
    char *provider_id; /* wamid / MessageSid */
    char *status;      /* "queued" | "sent" | "delivered" | "read" | "failed";
                        * an unrecognized provider status is passed through
                        * lowercased (rank 0) */
    char *error;       /* "" or "<code>: <reason>", e.g.
                        * "131047: Re-engagement message" */
    int64_t ts_ms;     /* provider timestamp in ms, 0 if none */
    char *marker;      /* what the sender attached to the message and the
                        * provider echoes (WhatsApp biz_opaque_callback_data),
                        * or NULL */
    char *provider;    /* the row that sent it when another row reports it
                        * (a bounce Mailgun posts about a mail sent by SMTP:
                        * "email"), or NULL: the reporting row's */
};

/* Both free a whole list (following next); NULL is fine. */
void hilo_inbound_free(struct hilo_inbound *list);
void hilo_delivery_free(struct hilo_delivery *list);

/* Rank of a normalized status so updates arriving out of order never move a
 * message backwards: queued 1 < sent 2 < delivered 3 < read 4; failed 5
 * (terminal); anything else (including NULL) 0. Apply an update only when
 * its rank is greater than the stored one. */
int hilo_delivery_rank(const char *status);

/* ------------------------------------------------------------------------ */
/* Forms                                                                      */

/* Decoded form fields in the order received; repeated names are kept.
 * Values are NUL-terminated, value_lens[i] is the decoded length (a value may
 * contain "%00"). Zero-initialize before parsing; free with hilo_form_free. */
struct hilo_form {
    size_t n;
    char **keys;
    char **values;
    size_t *value_lens;
};

/* Parses application/x-www-form-urlencoded ("+" is a space; keys decoded as
 * well; empty pairs skipped). Returns 0, or -1 on a malformed %-escape or
 * out of memory; on -1 *out is left empty (n == 0). Also used for raw query
 * strings. */
int hilo_form_parse(const char *body, size_t len, struct hilo_form *out);
/* Parses multipart/form-data using the boundary of content_type. Text parts
 * become their content; file parts (those with a filename) become the
 * filename, their content is skipped. Returns -1 when the boundary is
 * missing, a part has no name, or the closing delimiter is never found. */
int hilo_form_parse_multipart(const char *body, size_t len, const char *content_type,
                              struct hilo_form *out);
/* First value for key, or NULL. The pointer is borrowed from f. */
const char *hilo_form_get(const struct hilo_form *f, const char *key);
/* Appends one field (copies key and value). 0 or -1 (memory). Lets callers
 * build a form for hilo_twilio_verify_signature from other sources. */
int hilo_form_add(struct hilo_form *f, const char *key, const char *value, size_t value_len);
/* Frees the contents and resets *f to empty; f itself is the caller's. */
void hilo_form_free(struct hilo_form *f);
/* Percent-encodes everything but RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - . _ ~); space becomes %20. Caller frees. */
char *hilo_form_encode(const char *s);

/* ------------------------------------------------------------------------ */
/* WhatsApp Cloud API                                                         */

/* Checks X-Hub-Signature-256 ("sha256=<64 hex>") against
 * HMAC-SHA256(app_secret, body) over the raw bytes, in constant time.
 * 0 ok; -1 bad, missing, or empty app_secret. */
int hilo_whatsapp_verify_signature(const char *app_secret, const char *body, size_t len,
                                   const char *header_value);
/* GET handshake. query is the raw query string
 * ("hub.mode=subscribe&hub.challenge=..&hub.verify_token=.."). Returns a copy
 * of the decoded challenge to echo with HTTP 200 (caller frees), or NULL when
 * the mode or token is wrong, verify_token is empty, or the challenge is not
 * 1..128 characters of [A-Za-z0-9._-] (Meta sends digits; refusing anything
 * else keeps the echo from being used for reflected content). */
char *hilo_whatsapp_verify_handshake(const char *verify_token, const char *query);
/* Is s a WhatsApp business-scoped user id (BSUID): a country code, a dot,
 * then letters, digits and dots ("US.1349...", "US.ENT.1181...")? A phone
 * number never is. */
int hilo_whatsapp_is_bsuid(const char *s);
/* Parses one webhook POST. Appends inbound messages to *msgs and status
 * updates to *statuses in payload order (both lists start NULL or existing;
 * the caller frees them, also after -1). Several entries/changes are
 * handled; changes whose field is not "messages" and messages without
 * id, or with neither a phone (from) nor a BSUID (from_user_id, or the
 * contact's user_id), are skipped; a BSUID-only sender's from is its BSUID
 * (user_id says so). Returns -1 (with a reason in err) when the body is not
 * JSON or has no "entry" array. err may be NULL. */
int hilo_whatsapp_parse(const char *body, size_t len, struct hilo_inbound **msgs,
                        struct hilo_delivery **statuses, char *err, size_t errlen);
/* JSON body for POST /<phone_number_id>/messages. reply_to_wamid adds a
 * quoted-reply context (NULL or "" for none). NULL when to/text are NULL,
 * to is empty or text is not valid UTF-8. */
char *hilo_whatsapp_build_text(const char *to_e164, const char *text, const char *reply_to_wamid);
/* Template message; params become the body component's text parameters
 * (no components when nparams is 0). lang is the template language code,
 * e.g. "en_US". */
/* An interactive message with reply buttons (at most 3): body text and a
 * JSON array [{"id", "title"}]. NULL on bad input. */
char *hilo_whatsapp_build_buttons(const char *to_e164, const char *text, const char *buttons_json);
char *hilo_whatsapp_build_template(const char *to_e164, const char *name, const char *lang,
                                   const char *const *params, size_t nparams);
/* Parses the Graph API answer to a send. 0: *provider_id = wamid (caller
 * frees). -1: error; *retryable = 1 for HTTP 429/5xx and codes 130429,
 * 131000, 131016, 1, 2, 4, 80007, 131056, else 0; *window_closed = 1 for
 * 131047 (send a template instead); err = "code: message", plus
 * " (details)" when error_data.details adds something. Every out pointer
 * may be NULL. */
int hilo_whatsapp_parse_send_response(long http_status, const char *body, size_t len,
                                      char **provider_id, int *retryable, int *window_closed,
                                      char *err, size_t errlen);

/* ------------------------------------------------------------------------ */
/* Twilio Messaging                                                           */

/* X-Twilio-Signature: base64(HMAC-SHA1(auth_token, url + sorted name/value
 * pairs)). url is the full public URL Twilio requested (configured, not from
 * the Host header), including the query string. Repeated names are handled
 * as the SDKs do (distinct values, sorted). Like the SDKs, also accepts the
 * URL with its port removed, or with the scheme's default port added.
 * params may be NULL (GET). Constant-time compare. 0 ok / -1. */
int hilo_twilio_verify_signature(const char *auth_token, const char *url,
                                 const struct hilo_form *params, const char *header_value);
/* Inbound SMS/MMS or WhatsApp message. "whatsapp:+1..." in From gives
 * channel "whatsapp" and from "+1..."; other "<prefix>:" addresses give
 * channel <prefix>. Media go to extra_json.media, Latitude/Longitude to
 * extra_json.location (type "location"), ButtonText to type "button".
 * Appends one message to *out (which the caller frees); -1 when MessageSid
 * or From is missing. */
int hilo_twilio_parse_message(const struct hilo_form *f, struct hilo_inbound **out);
/* Status callback: MessageStatus (or SmsStatus) normalized (queued, accepted,
 * scheduled, sending -> queued; sent; delivered; read; failed, undelivered,
 * canceled -> failed), error "<ErrorCode>: <ChannelStatusMessage or the
 * code's meaning>". Appends to *out; -1 when MessageSid or status missing. */
int hilo_twilio_parse_status(const struct hilo_form *f, struct hilo_delivery **out);
/* Form-encoded body for POST /2010-04-01/Accounts/<sid>/Messages.json.
 * status_callback_url may be NULL. NULL when from/to/body are NULL. */
char *hilo_twilio_build_message(const char *from, const char *to, const char *body,
                                const char *status_callback_url);
/* A WhatsApp Content template (outside the 24-hour window): ContentSid and
 * ContentVariables {"1": params[0], ...}. NULL when from/to/content_sid
 * are missing. */
char *hilo_twilio_build_content(const char *from, const char *to, const char *content_sid,
                                const char *const *params, size_t nparams,
                                const char *status_callback_url);
/* 200/201 with "sid": 0 and *provider_id (caller frees). Otherwise -1 with
 * *retryable = 1 for HTTP 429/5xx or code 20429, err = "code: message"
 * (63016, outside the WhatsApp window, is not retryable). Out pointers may
 * be NULL. */
int hilo_twilio_parse_send_response(long http_status, const char *body, size_t len,
                                    char **provider_id, int *retryable, char *err,
                                    size_t errlen);

/* Twilio Voice: the parameters of any voice webhook (incoming call, gather
 * action, record action, transcription callback, call status). */
struct hilo_call {
    char *call_sid, *from, *to, *status, *digits, *speech, *recording_url, *transcription,
        *transcription_status;
    int duration_s; /* RecordingDuration, else CallDuration; 0 if absent */
};
/* Fills *out (all strings non-NULL, "" when absent; from normalized to E.164
 * when it is a phone number). -1 when CallSid is missing (then *out holds
 * nothing to free). Release with hilo_call_free. */
int hilo_twilio_parse_call(const struct hilo_form *f, struct hilo_call *out);
/* Frees the strings and zeroes *c; c itself is the caller's. */
void hilo_call_free(struct hilo_call *c);

/* ------------------------------------------------------------------------ */
/* TwiML. All text and attribute values are XML-escaped. lang "es"/"en" (or a
 * full tag like "es-MX") gives the <Say language>; NULL/unknown -> "en-US". */

/* <?xml version="1.0" encoding="UTF-8"?><Response/> */
char *hilo_twiml_empty(void);
/* <Response><Say language=..>text</Say></Response> */
char *hilo_twiml_say(const char *lang, const char *text);
/* Asks for a ticket reference by keypad:
 * <Gather input="dtmf" finishOnKey="#" action=.. method="POST" timeout="8"
 * numDigits=max><Say>prompt</Say></Gather><Say>goodbye fallback</Say>.
 * numDigits is omitted when num_digits_max <= 0. */
char *hilo_twiml_gather_ref(const char *lang, const char *prompt, const char *action_url,
                            int num_digits_max);
/* <Say>text</Say><Record maxLength="120" playBeep="true" action=..
 * method="POST" transcribe="true" transcribeCallback=../>; transcription
 * attributes are omitted when transcribe_url is NULL. */
char *hilo_twiml_say_then_record(const char *lang, const char *text, const char *action_url,
                                 const char *transcribe_url);

/* ------------------------------------------------------------------------ */
/* Mailgun inbound (Routes forward())                                         */

/* signature == hex(HMAC-SHA256(signing_key, timestamp || token)), constant
 * time, and |now_s - timestamp| <= max_age_s. 0 ok / -1. Remembering used
 * tokens (replay protection) is the caller's job. */
int hilo_mailgun_verify(const char *signing_key, const char *timestamp, const char *token,
                        const char *signature, int64_t now_s, int max_age_s);
/* One inbound email from the route's form fields. from/from_name from the
 * "from" field (else "sender"); Message-Id, In-Reply-To, References from
 * "message-headers" (else top-level fields); text = stripped-text if present
 * and non-empty, else hilo_email_trim_reply(body-plain); ref_hint from the
 * recipient's plus-address, then the subject. provider_id = Message-Id
 * without <>, or "sha256:<hex>" of from/subject/date/body when there is no
 * Message-Id (stable across Mailgun's retries). Appends to *out; -1 when no
 * sender address can be found. Automatic mail (auto_reply: Auto-Submitted
 * other than "no", Precedence bulk/junk/auto_reply, X-Autoreply,
 * X-Autorespond) is marked HILO_AUTO_REPLY; otherwise a report
 * (multipart/report, the null sender, MAILER-DAEMON@) HILO_AUTO_BOUNCE. */
int hilo_mailgun_parse(const struct hilo_form *f, struct hilo_inbound **out);
/* The same, and a report that one of our mails failed for good (our
 * Message-ID, hilo_email_find_own_msgid, on a "Message-ID:" line of the
 * text, and "Action: failed", "Status: 5.X.X" or an SMTP "5XX 5.X.X")
 * becomes a "failed" delivery of that Message-ID for provider "email" with
 * error "bounce: <the status line>", appended to *statuses (when not NULL),
 * instead of a message. */
int hilo_mailgun_parse_all(const struct hilo_form *f, struct hilo_inbound **out,
                           struct hilo_delivery **statuses);
/* A Mailgun event webhook's JSON ({"signature": {...}, "event-data":
 * {...}}): "delivered" and a permanent "failed" (or "rejected") about a
 * mail with a Message-Id become a delivery (provider "email", error
 * "<code>: <message>"); other events, temporary failures: nothing. -1 when
 * the body is not such JSON. */
int hilo_mailgun_events_parse(const char *body, size_t len, struct hilo_delivery **out);

/* ------------------------------------------------------------------------ */
/* Email                                                                      */

/* Keeps only the new part of a reply: stops at the first "On ... wrote:" /
 * "El ... escribió:" / "Le ... a écrit :" / "Am ... schrieb:" header (also
 * when wrapped over two lines), "-----Original Message-----", an Outlook
 * "From:" block after an underscore rule, or a "-- " signature line; drops
 * quoted ("> ") lines; trims surrounding blank space. Line endings become
 * "\n". NULL body gives "". */
char *hilo_email_trim_reply(const char *body);
/* "Bob <Bob@Example.com>" -> *addr "bob@example.com", *display_name "Bob".
 * Also bare addresses, quoted names ("\"Doe, John\" <j@x.org>") and
 * "addr (comment)". With several addresses the first one is used. -1 (and
 * nothing allocated) when no plausible address is found. display_name may be
 * NULL. */
int hilo_email_address(const char *header_value, char **addr, char **display_name);
/* RFC 5322 message with CRLF line endings, ready for libcurl's SMTP upload
 * (which does the dot-stuffing). Headers: From, To, Reply-To (if given),
 * Subject (RFC 2047 encoded-words when non-ASCII), Date (from date_s, UTC;
 * 0 means now), Message-ID (if given; <> added when missing), In-Reply-To /
 * References (if given), MIME-Version, Content-Type text/plain;
 * charset=UTF-8, Content-Transfer-Encoding quoted-printable. Control
 * characters (CR, LF, ...) in header values become spaces, so header
 * injection is impossible. Non-ASCII display names in From/To/Reply-To are
 * encoded too. from, to and body are required (NULL otherwise); NULL
 * optional arguments or "" omit the header. */
char *hilo_email_build(const char *from, const char *to, const char *reply_to,
                       const char *subject, const char *body, const char *message_id,
                       const char *in_reply_to, const char *references, int64_t date_s);
/* The same with Auto-Submitted: auto_submitted ("auto-replied" for an
 * acknowledgement, "auto-generated" for a survey or notice; NULL or "" for
 * a person's reply), so that customers' out-of-office responders do not
 * answer Hilo's own automatic mail (RFC 3834). */
char *hilo_email_build_auto(const char *from, const char *to, const char *reply_to,
                            const char *subject, const char *body, const char *message_id,
                            const char *in_reply_to, const char *references, int64_t date_s,
                            const char *auto_submitted);
/* Our Message-ID ("hilo.<ref>.<16 hex>@<domain>", route.c; a held join's
 * notice: "hilo.h<8 hex>.<16 hex>@<domain>") found in text,
 * copied to out without <>; -1 when none. A bounce names the mail it
 * returns in its report or in the copy of its headers. */
int hilo_email_find_own_msgid(const char *text, char *out, size_t n);

/* ------------------------------------------------------------------------ */
/* Channels behind one table                                                  */
/*
 * Each provider file fills a struct hilo_channel_ops; the inbound webhooks
 * and the outbox reach providers only through it (the way Redis has
 * ConnectionType and curl vtls/), so adding a provider means adding a row.
 * Everything stays pure: a request comes in as a plain struct hilo_http_in
 * view, a send goes out as a struct hilo_channel_req the outbox hands to
 * libcurl. */

struct hilo_config;

struct hilo_http_header {
    const char *name;  /* lowercase */
    const char *value;
};

/* A webhook request as the channels see it: no lws, no sockets. Every
 * pointer is borrowed for the duration of the call. */
struct hilo_http_in {
    const char *method;      /* "GET", "POST" */
    const char *path;        /* "/webhooks/twilio/messaging" */
    const char *query;       /* "a=1&b=2" (form-encoded, decodes to the arguments), "" if none */
    const struct hilo_http_header *headers;
    size_t nheaders;
    const char *body;        /* NULL when the body was larger than accepted */
    size_t body_len;
    int64_t now_s;           /* the request's wall-clock time (signature freshness) */
};
/* The value of a header (name compared case-insensitively), or NULL. */
const char *hilo_http_in_header(const struct hilo_http_in *in, const char *name);

/* An outbox entry's fields, as the send builders read them ("" when unset). */
struct hilo_channel_msg {
    const char *ref, *to, *text;
    const char *tpl, *tpl_params, *tpl_lang;   /* WhatsApp template (JSON array params) */
    const char *subject, *msgid, *irt, *refs;  /* email threading */
    int64_t now_s;                             /* the Date of an email */
    const char *buttons;                       /* WhatsApp reply buttons: JSON [{id, title}] */
    const char *auto_submitted;                /* email: Hilo's own automatic mail
                                                * ("auto-replied"/"auto-generated"), or "" */
};

/* A request to a provider, ready for libcurl. Strings point into the struct
 * itself or into the config (borrowed: the config outlives every send). */
struct hilo_channel_req {
    const char *method;          /* "POST"; NULL for SMTP */
    char url[1024];
    const char *headers[4];      /* NULL-terminated */
    char auth[600];              /* storage for an Authorization header */
    const char *username, *password;
    char mail_from[320], mail_rcpt[320]; /* SMTP envelope; "" for HTTP */
    char *body;                  /* malloc'd; hilo_channel_req_deinit frees it */
};
void hilo_channel_req_deinit(struct hilo_channel_req *r);

enum hilo_channel_transport { HILO_CHANNEL_HTTP, HILO_CHANNEL_SMTP };

/* Flags of a row. */
#define HILO_CHANNEL_TWIML 1u /* its webhooks are answered with TwiML */
#define HILO_CHANNEL_CALLS 2u /* its webhooks drive a call (inbound/voice.c) */
#define HILO_CHANNEL_THREADS 4u /* messages thread by subject and Message-Id (email) */

struct hilo_channel_ops {
    const char *channel;   /* "whatsapp" | "sms" | "voice" | "email" */
    const char *provider;  /* the provider's name in struct hilo_inbound, the dedupe and
                            * provider-id keys: "whatsapp" (Cloud API), "twilio",
                            * "mailgun", "email" (SMTP) */
    const char *via;       /* the ticket's wa_via for this row ("cloud", "twilio"), or "" */
    const char *title;     /* for messages: "WhatsApp", "Twilio", "Inbound email" */
    const char *identity;  /* the kind of a sender's identity: "phone" or "email" */
    const char *const *hooks; /* NULL-terminated webhook paths it answers, or NULL */
    unsigned flags;
    uint64_t window_ms;    /* customer-service window (WhatsApp 24 h); 0 = none */
    enum hilo_channel_transport transport;

    /* Can it send? NULL: this row never sends. */
    int (*configured)(const struct hilo_config *c);
    /* Are its webhooks on? NULL: it has none. */
    int (*hooks_configured)(const struct hilo_config *c);
    /* A GET subscription handshake: the body to echo (caller frees), or NULL
     * to refuse with 403. NULL: webhooks are POST only. */
    char *(*handshake)(const struct hilo_config *c, const struct hilo_http_in *in);
    /* Is the POST the provider's? 0, or -HILO_EUNAUTH (no signature: 401),
     * -HILO_EFORBIDDEN (wrong or stale: 403), -HILO_EBADFRAME (unreadable
     * body: 400), with a reason in err. in->body is not NULL. */
    int (*verify)(const struct hilo_config *c, const struct hilo_http_in *in, char *err,
                  size_t errlen);
    /* The signature's single-use token, for rows whose signature can be
     * replayed with another body inside its freshness window (Mailgun signs
     * only timestamp + token). 0 and the token in out, or -1. NULL: the
     * signature covers the body. */
    int (*replay_token)(const struct hilo_http_in *in, char *out, size_t n);
    /* The POST's messages and delivery updates (appended; the caller frees
     * both lists, also after an error). 0, or -HILO_EBADJSON/-HILO_EBADFRAME
     * with a reason in err. NULL: the webhook is not a message list (calls). */
    int (*parse)(const struct hilo_http_in *in, struct hilo_inbound **msgs,
                 struct hilo_delivery **statuses, char *err, size_t errlen);
    /* Builds the request that sends m. 0, or -1 (no body could be built). */
    int (*build_send)(const struct hilo_config *c, const struct hilo_channel_msg *m,
                      struct hilo_channel_req *req);
    /* Reads the provider's answer to a send (HTTP rows), as
     * hilo_whatsapp_parse_send_response. NULL for SMTP (the reply code decides). */
    int (*parse_send)(long status, const char *body, size_t len, char **provider_id,
                      int *retryable, int *window_closed, char *err, size_t errlen);
};

/* Rows in preference order (the Cloud API before Twilio for WhatsApp). */
size_t hilo_channel_count(void);
const struct hilo_channel_ops *hilo_channel_at(size_t i);
/* The row of a channel and via ("" or NULL: the first row of the channel that
 * can send), or NULL. */
const struct hilo_channel_ops *hilo_channel_find(const char *channel, const char *via);
/* The row of a message's channel and provider (struct hilo_inbound), or NULL. */
const struct hilo_channel_ops *hilo_channel_of(const char *channel, const char *provider);
/* The first row that sends under a provider name ("whatsapp", "twilio",
 * "email"), or NULL. */
const struct hilo_channel_ops *hilo_channel_by_provider(const char *provider);
/* The row answering a webhook path, or NULL. */
const struct hilo_channel_ops *hilo_channel_by_hook(const char *path);
/* Can some row of the channel send with this configuration? */
int hilo_channel_can_send(const struct hilo_config *c, const char *channel);
/* The configured row to send a channel on: the ticket's via when its row is
 * configured, else the first configured row of the channel; NULL if none. */
const struct hilo_channel_ops *hilo_channel_pick(const struct hilo_config *c, const char *channel,
                                                 const char *via);

/* The rows (defined in the provider files). */
extern const struct hilo_channel_ops hilo_channel_whatsapp_cloud, hilo_channel_whatsapp_twilio,
    hilo_channel_sms_twilio, hilo_channel_voice_twilio, hilo_channel_email_mailgun,
    hilo_channel_email_smtp;

#endif
