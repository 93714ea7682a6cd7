#include "hilo/config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hilo/hours.h"
#include "hilo/log.h"
#include "hilo/route_plan.h"

enum opt_type { OPT_STR, OPT_INT };

struct opt {
    const char *name; /* flag is --name with '_' -> '-', env is HILO_NAME */
    enum opt_type type;
    size_t off;
    const char *def;
    long min, max;
    int secret;
    const char *help;
};

#define S(f) OPT_STR, offsetof(struct hilo_config, f)
#define I(f) OPT_INT, offsetof(struct hilo_config, f)

static const struct opt opts[] = {
    {"listen", S(listen), "127.0.0.1:8080", 0, 0, 0, "Address and port to listen on (host:port)."},
    {"redis_url", S(redis_url), "", 0, 0, 1,
     "Redis to use: redis://[:password@]host:port[/db] or unix:///path/to.sock. "
     "Empty: start a private redis-server under var_dir."},
    {"prefix", S(prefix), "hilo", 0, 0, 0, "Prefix of every Redis key and channel."},
    {"web_root", S(web_root), "web", 0, 0, 0, "Directory of the static files served over HTTP."},
    {"var_dir", S(var_dir), "var", 0, 0, 0, "Directory for the private Redis (socket, AOF, log)."},
    {"redis_server", S(redis_server), "redis-server", 0, 0, 0,
     "redis-server binary for the private Redis."},
    {"redis_connect_timeout_ms", I(redis_connect_timeout_ms), "2000", 50, 60000, 0,
     "Redis connect timeout in milliseconds."},
    {"redis_timeout_ms", I(redis_timeout_ms), "3000", 50, 60000, 0,
     "Redis command timeout in milliseconds; a late reply drops the connection."},
    {"max_frame", I(max_frame), "65536", 256, 16777216, 0, "Largest incoming WebSocket frame in bytes."},
    {"max_text", I(max_text), "4096", 1, 1000000, 0, "Most characters in a message text."},
    {"msg_rate", I(msg_rate), "10", 1, 100000, 0, "Frames per second per connection (sustained)."},
    {"msg_burst", I(msg_burst), "30", 1, 100000, 0, "Frames per connection allowed in a burst."},
    {"send_queue", I(send_queue), "512", 8, 1000000, 0,
     "Frames queued for one slow connection before it is cut off."},
    {"max_conns", I(max_conns), "20000", 1, 1000000, 0, "Most simultaneous connections."},
    {"max_conns_per_ip", I(max_conns_per_ip), "100", 1, 1000000, 0,
     "Most simultaneous WebSockets from one client address; more are refused with 429."},
    {"agent_reserve_pct", I(agent_reserve_pct), "10", 0, 90, 0,
     "Percent of max_conns kept for agents' WebSockets: customers' sockets may use the rest; "
     "more are refused with 503."},
    {"trusted_proxies", S(trusted_proxies), "", 0, 0, 0,
     "Comma-separated addresses or networks (10.0.0.1, 10.0.0.0/8, fd00::/8) of reverse "
     "proxies whose X-Forwarded-For is believed; from any other peer the socket's address "
     "is the client's."},
    {"session_ttl", I(session_ttl), "43200", 1, 31536000, 0, "Agent session lifetime in seconds."},
    {"login_fail_max", I(login_fail_max), "5", 1, 100000, 0,
     "Failed logins of one agent name within login_fail_window before its logins are refused "
     "(rate_limited) for login_lockout_ms, doubling with each further failure."},
    {"login_ip_fail_max", I(login_ip_fail_max), "50", 1, 1000000, 0,
     "Failed logins from one client address within login_fail_window before its logins are "
     "refused the same way."},
    {"login_fail_window", I(login_fail_window), "900", 1, 86400, 0,
     "Seconds a failed login is remembered (counted from the latest failure); also the "
     "longest lockout."},
    {"login_lockout_ms", I(login_lockout_ms), "60000", 1, 86400000, 0,
     "First lockout in milliseconds once a name or address reaches its failure limit."},
    {"login_hashes", I(login_hashes), "4", 1, 256, 0,
     "Password checks (argon2id, 64 MiB each) run at once; more logins wait."},
    {"login_queue", I(login_queue), "16", 0, 100000, 0,
     "Logins waiting for a password check; beyond that a login is refused at once "
     "(rate_limited)."},
    {"ack_eta_minutes", I(ack_eta_minutes), "15", 1, 100000, 0,
     "Expected response time quoted in the acknowledgement, in minutes."},
    {"widget_origins", S(widget_origins), "", 0, 0, 0,
     "Comma-separated origins allowed to open customer WebSockets (\"*\" = any). "
     "Pages served by Hilo itself and clients without Origin are always allowed."},
    {"console_origins", S(console_origins), "", 0, 0, 0,
     "Comma-separated origins (https://support.example.com) of the agent console: only pages "
     "there may open agent WebSockets or send REST calls with the session cookie. Empty: the "
     "origin of public_url, and pages on the host the request was sent to (with public_url's "
     "scheme when it is set)."},
    {"identity_secret", S(identity_secret), "", 0, 0, 1,
     "HMAC key for signed customer identities from the host site; empty disables them."},
    {"identity_max_age", I(identity_max_age), "86400", 1, 31536000, 0,
     "How old (seconds) a signed identity's timestamp may be."},
    {"public_url", S(public_url), "", 0, 0, 0,
     "URL Hilo is reached at from outside (e.g. https://support.example.com); "
     "https makes session cookies Secure."},
    {"log_level", S(log_level), "info", 0, 0, 0, "debug, info, warn or error."},
    {"log_format", S(log_format), "text", 0, 0, 0,
     "text (one readable line per message) or json (one object per line: ts, level, msg)."},
    {"default_locale", S(default_locale), "en", 0, 0, 0,
     "Language (es or en) for customers whose language is unknown (phone, SMS, WhatsApp) "
     "when their text does not tell."},
    {"whatsapp_verify_token", S(whatsapp_verify_token), "", 0, 0, 1,
     "WhatsApp Cloud API: the verify token of the webhook handshake."},
    {"whatsapp_app_secret", S(whatsapp_app_secret), "", 0, 0, 1,
     "WhatsApp Cloud API: the app secret that signs webhooks (X-Hub-Signature-256)."},
    {"whatsapp_token", S(whatsapp_token), "", 0, 0, 1, "WhatsApp Cloud API: access token for sending."},
    {"whatsapp_phone_number_id", S(whatsapp_phone_number_id), "", 0, 0, 0,
     "WhatsApp Cloud API: the business phone number id messages are sent from."},
    {"whatsapp_api_base", S(whatsapp_api_base), "https://graph.facebook.com/v21.0", 0, 0, 0,
     "WhatsApp Cloud API base URL (with the Graph API version)."},
    {"twilio_account_sid", S(twilio_account_sid), "", 0, 0, 0, "Twilio account SID."},
    {"twilio_auth_token", S(twilio_auth_token), "", 0, 0, 1,
     "Twilio auth token: sending, and the key of X-Twilio-Signature."},
    {"twilio_from", S(twilio_from), "", 0, 0, 0, "Twilio SMS sender number (+E.164)."},
    {"twilio_whatsapp_from", S(twilio_whatsapp_from), "", 0, 0, 0,
     "Twilio WhatsApp sender (whatsapp:+E.164)."},
    {"twilio_api_base", S(twilio_api_base), "https://api.twilio.com", 0, 0, 0, "Twilio REST API base URL."},
    {"mailgun_signing_key", S(mailgun_signing_key), "", 0, 0, 1,
     "Mailgun HTTP webhook signing key (inbound email)."},
    {"smtp_url", S(smtp_url), "", 0, 0, 0,
     "Outbound email server: smtp://host:port (STARTTLS required, see smtp_plain) or "
     "smtps://host:port (TLS from the start)."},
    {"smtp_user", S(smtp_user), "", 0, 0, 0, "SMTP user name."},
    {"smtp_password", S(smtp_password), "", 0, 0, 1, "SMTP password."},
    {"smtp_plain", I(smtp_plain), "0", 0, 1, 0,
     "1: allow smtp:// without TLS when the server offers no STARTTLS (a local relay or test "
     "sink only). 0 (default): STARTTLS is required; a server without it is refused before "
     "AUTH or any mail is sent."},
    {"support_email", S(support_email), "", 0, 0, 0,
     "Support address (support@example.com): From of outbound email; replies go to "
     "support+<reference>@example.com."},
    {"outbox_attempts", I(outbox_attempts), "6", 1, 100, 0,
     "Attempts to send a message before it goes to the dead letters."},
    {"outbox_backoff_ms", I(outbox_backoff_ms), "1000", 10, 600000, 0,
     "First retry delay; doubles each attempt (±20 % jitter, at most 5 minutes)."},
    {"media_max_bytes", I(media_max_bytes), "16777216", 65536, 104857600, 0,
     "Largest provider media file Hilo passes through /api/v1/media (bytes; streamed, so "
     "it costs no memory; WhatsApp allows documents up to 100 MB)."},
    {"http_timeout_ms", I(http_timeout_ms), "10000", 100, 120000, 0,
     "Timeout of one request to a provider."},
    {"webhook_url", S(webhook_url), "", 0, 0, 0,
     "URL that receives every change of every ticket's thread (signed POSTs); empty: none."},
    {"webhook_secret", S(webhook_secret), "", 0, 0, 1,
     "Key of the webhooks' X-Hilo-Signature (HMAC-SHA256)."},
    {"test_clock", I(test_clock), "0", 0, 1, 0,
     "Tests only: 1 lets loopback clients move the wall clock with POST /test/clock."},
    /* verified continuity (docs/continuity.md) */
    {"ref_attempts_identity", I(ref_attempts_identity), "5", 1, 100000, 0,
     "Messages naming a case one sender (phone, email, WhatsApp id) may send within "
     "ref_attempt_window before they are dropped (rate_limited)."},
    {"ref_attempts_ticket", I(ref_attempts_ticket), "10", 1, 100000, 0,
     "Held joins naming one case within ref_attempt_window that send its customer a code; "
     "later ones are held without a code."},
    {"ref_attempts_ip", I(ref_attempts_ip), "20", 1, 1000000, 0,
     "Resumes of a case that is not the visitor's from one client address within "
     "ref_attempt_window before resumes from it are refused (rate_limited)."},
    {"ref_attempt_window", I(ref_attempt_window), "3600", 1, 86400, 0,
     "Seconds the case-reference attempt counters cover (from the first attempt)."},
    /* per-address ticket creation (issue #11) */
    {"ticket_rate_per_ip", I(ticket_rate_per_ip), "0", 0, 1000000, 0,
     "Most tickets customers' WebSockets from one client address may open per "
     "ticket_rate_window, counted in Redis across instances; more are refused (rate_limited) "
     "and nothing is stored. 0: no limit. Behind a proxy set trusted_proxies."},
    {"ticket_rate_window", I(ticket_rate_window), "600", 1, 86400, 0,
     "Window of ticket_rate_per_ip, in seconds (a fixed window from the address's first "
     "ticket in it)."},
    {"thanks_window_minutes", I(thanks_window_minutes), "4320", 0, 525600, 0,
     "After a resolution, a customer's short acknowledgement (\"gracias\", \"ok\", a score, "
     "an emoji) within this many minutes is recorded without reopening the ticket; 0: every "
     "message reopens."},
    {"sla_timezone", S(sla_timezone), "UTC", 0, 0, 0,
     "IANA time zone of the business hours (e.g. Europe/Madrid)."},
    {"sla_hours", S(sla_hours), "24x7", 0, 0, 0,
     "Weekly business hours: day ranges and times, "
     "';'-separated (\"mon-fri 09:00-18:00; sat 10:00-14:00\"); \"24x7\": always open. "
     "While closed, a new ticket's acknowledgement quotes the next opening."},
    {"live_gap_check_ms", I(live_gap_check_ms), "5000", 0, 3600000, 0,
     "Period of the live gap check: the last event delivered to each watching connection is "
     "compared with its ticket's last stored event, and missed events are sent (0: off)."},
    {"metrics_token", S(metrics_token), "", 0, 0, 1,
     "Bearer token GET /metrics requires; empty: /metrics answers loopback clients only."},
    /* TLS served by Hilo itself (docs/security.md "TLS") */
    {"tls_cert", S(tls_cert), "", 0, 0, 0,
     "PEM certificate file (the server certificate, optionally followed by its chain): Hilo "
     "serves HTTPS and WSS on listen instead of plain HTTP. Checked at start-up (readable, "
     "matching tls_key, not expired); re-read on SIGHUP without dropping connections. Empty: "
     "plain HTTP (TLS at a reverse proxy, docs/operations.md)."},
    {"tls_key", S(tls_key), "", 0, 0, 0,
     "PEM private key file of tls_cert (unencrypted; keep it readable by Hilo's user only)."},
    {"tls_chain", S(tls_chain), "", 0, 0, 0,
     "Optional PEM file of intermediate certificates sent after tls_cert's own."},
    {"hsts_max_age", I(hsts_max_age), "31536000", 0, 63072000, 0,
     "Strict-Transport-Security: max-age=N (seconds) on every HTTP response when Hilo serves "
     "TLS itself (tls_cert), and on responses to requests a trusted proxy forwards with "
     "X-Forwarded-Proto: https; 0: no header."},
    {"sla_holidays", S(sla_holidays), "", 0, 0, 0,
     "The default team's holidays, comma-separated local dates (\"2026-12-25,2027-01-01\"): "
     "no business hours on those days. Teams' own settings are edited over REST (docs/sla.md)."},
    {"sla_first_response_minutes", I(sla_first_response_minutes), "0", 0, 525600, 0,
     "The default team's first-response target in business minutes; 0: no target."},
    {"sla_resolution_minutes", I(sla_resolution_minutes), "0", 0, 525600, 0,
     "The default team's resolution target in business minutes; 0: no target."},
    {"sla_warning_minutes", I(sla_warning_minutes), "15", 0, 525600, 0,
     "Agents are warned this many minutes before an SLA due time; 0: no warning."},
    {"survey_secret", S(survey_secret), "", 0, 0, 1,
     "Secret that signs the one-click satisfaction links in emails (HMAC-SHA256), shared by "
     "every instance; required when survey, smtp_url and public_url are set."},
    {"survey_link_hours", I(survey_link_hours), "168", 1, 8760, 0,
     "Hours a satisfaction link in an email works."},
    {"survey", I(survey), "0", 0, 1, 0,
     "1: after each resolution ask the customer how it went, natively on their channel "
     "(widget buttons, WhatsApp buttons, an SMS digit, one-click email links); docs/sla.md."},
    {"route_order", S(route_order), "web,whatsapp,template,sms,email", 0, 0, 0,
     "Order in which an outbound message (reply, resolution, nudge) tries its routes, "
     "comma-separated: web (the customer's widget is connected), whatsapp (free-form, the "
     "24-hour window is open), template (an approved WhatsApp template), sms, email. Only "
     "identities with evidence (docs/continuity.md) are routes; none fits: the web thread."},
    {"wa_closed_policy", S(wa_closed_policy), "template", 0, 0, 0,
     "A free-form WhatsApp reply when the 24-hour window is closed: template (the "
     "category's template with the text as a parameter), hold (kept and sent when the "
     "customer writes again) or fallback (the next route in route_order)."},
    {"wa_template_ack", S(wa_template_ack), "", 0, 0, 0,
     "WhatsApp template of acknowledgements: name:language[:params], params a comma list of "
     "ref, text, name (default ref,text). On Twilio the name is the ContentSid (HX...)."},
    {"wa_template_update", S(wa_template_update), "", 0, 0, 0,
     "WhatsApp template of agents' replies outside the window (same form as wa_template_ack)."},
    {"wa_template_resolution", S(wa_template_resolution), "", 0, 0, 0,
     "WhatsApp template of resolutions outside the window (same form as wa_template_ack)."},
    {"wa_template_survey", S(wa_template_survey), "", 0, 0, 0,
     "WhatsApp template of satisfaction surveys outside the window (same form)."},
    {"wa_template_nudge", S(wa_template_nudge), "", 0, 0, 0,
     "WhatsApp template sent wa_nudge_minutes before the window closes while a ticket "
     "waits on the customer (pending); empty: no nudge."},
    {"wa_nudge_minutes", I(wa_nudge_minutes), "0", 0, 1440, 0,
     "Minutes before a WhatsApp window closes to send wa_template_nudge when the ticket is "
     "pending; 0: never."},
    {"unread_minutes", I(unread_minutes), "0", 0, 10080, 0,
     "A web reply the customer has not seen within this many minutes goes once to their "
     "proven email (else phone by SMS) with a link back to the conversation; 0: never."},
    {"upload_max_bytes", I(upload_max_bytes), "4194304", 1024, 4194304, 0,
     "Largest file (bytes) a customer may upload from the widget (PNG, JPEG, GIF, WebP or "
     "PDF); larger ones are refused (too_large, 413). At most 4 MiB, the HTTP body limit."},
    {"upload_retention_days", I(upload_retention_days), "90", 1, 3650, 0,
     "Days an uploaded file is kept in Redis (the key's TTL); after that it is gone and its "
     "link answers 404 not_found. The message that carried it stays."},
    {"upload_rate_per_ip", I(upload_rate_per_ip), "30", 0, 1000000, 0,
     "Uploads from one client address within upload_rate_window, counted in Redis across "
     "instances; more are refused (rate_limited, 429, Retry-After). 0: no limit."},
    {"upload_rate_window", I(upload_rate_window), "600", 1, 86400, 0,
     "Window of upload_rate_per_ip, in seconds (a fixed window from the address's first "
     "upload)."},
    {"upload_mib_per_day", I(upload_mib_per_day), "1024", 0, 1048576, 0,
     "MiB of files all customers together may upload in 24 hours (a fixed window from the "
     "first), counted in Redis across instances: files live in Redis, and this keeps a flood "
     "from filling it; more are refused (rate_limited, 429, Retry-After). 0: no limit."},
    {"upload_customer_mib_per_day", I(upload_customer_mib_per_day), "50", 0, 1048576, 0,
     "MiB of files one customer may upload in 24 hours (a fixed window from their first); "
     "more are refused (rate_limited, 429, Retry-After). 0: no limit."},
    {"upload_ip_mib_per_day", I(upload_ip_mib_per_day), "200", 0, 1048576, 0,
     "MiB of files one client address (an IPv6 one by its /64) may upload in 24 hours, "
     "whatever customers it claims to be; more are refused (rate_limited, 429, Retry-After). "
     "0: no limit."},
};

_Static_assert(sizeof opts / sizeof opts[0] <= 8 * sizeof ((struct hilo_config *)0)->argv_secrets,
               "argv_secrets has one bit per option");

static char **str_at(struct hilo_config *c, const struct opt *o) { return (char **)((char *)c + o->off); }
static int *int_at(struct hilo_config *c, const struct opt *o) { return (int *)((char *)c + o->off); }

/* Secrets read from files do not linger in freed memory. */
static void sodium_like_wipe(char *p, size_t n)
{
    volatile char *v = p;
    while (n--)
        *v++ = 0;
}

static int set_opt(struct hilo_config *c, const struct opt *o, const char *v, char *err, size_t errlen)
{
    if (o->type == OPT_STR) {
        char *dup = strdup(v);
        if (!dup) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(*str_at(c, o));
        *str_at(c, o) = dup;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < o->min || n > o->max) {
        snprintf(err, errlen, "option %s: '%s' is not a whole number from %ld to %ld", o->name, v,
                 o->min, o->max);
        return -1;
    }
    *int_at(c, o) = (int)n;
    return 0;
}

void hilo_config_init(struct hilo_config *c)
{
    char err[128];
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        set_opt(c, &opts[i], opts[i].def, err, sizeof err);
}

void hilo_config_deinit(struct hilo_config *c)
{
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (opts[i].type == OPT_STR)
            free(*str_at(c, &opts[i]));
    free(c->listen_host);
    memset(c, 0, sizeof *c);
}

/* "redis_url" -> "--redis-url" / "HILO_REDIS_URL" */
static void flag_name(const struct opt *o, char *out, size_t n)
{
    snprintf(out, n, "--%s", o->name);
    for (char *p = out + 2; *p; p++)
        if (*p == '_')
            *p = '-';
}

static void env_name(const struct opt *o, char *out, size_t n)
{
    snprintf(out, n, "HILO_%s", o->name);
    for (char *p = out + 5; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
}

/* Reads a whole small file (options and secrets, not data). */
static char *read_small(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;
    struct stat st;

    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
        snprintf(err, errlen, "%s: not a regular file of at most %zu bytes", path, max);
        goto fail;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read %s", path);
        goto fail;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        snprintf(err, errlen, "%s: contains a NUL byte", path);
        goto fail;
    }
    fclose(f);
    *len = n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

static int set_from_file(struct hilo_config *c, const struct opt *o, const char *path, char *err,
                         size_t errlen)
{
    size_t n;
    char *v = read_small(path, 65536, &n, err, errlen);
    if (!v)
        return -1;
    if (n && v[n - 1] == '\n')
        v[--n] = '\0';
    if (n && v[n - 1] == '\r')
        v[--n] = '\0';
    int r = set_opt(c, o, v, err, errlen);
    sodium_like_wipe(v, n);
    free(v);
    return r;
}

static const struct opt *find_opt(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        const char *nm = opts[i].name;
        if (strlen(nm) != len)
            continue;
        size_t j = 0;
        for (; j < len; j++)
            if (!(key[j] == nm[j] || (key[j] == '-' && nm[j] == '_')))
                break;
        if (j == len)
            return &opts[i];
    }
    return NULL;
}

/* --config FILE: "name = value" per line, name as the option's flag without
 * the dashes (redis-url or redis_url); '#' starts a comment line; a value may
 * be wrapped in double quotes. Errors name the file and line, never a value. */
static int load_file(struct hilo_config *c, const char *path, char *err, size_t errlen)
{
    size_t n;
    char *buf = read_small(path, 1 << 20, &n, err, errlen);
    int lineno = 0, rc = 0;
    char *save = NULL;

    if (!buf)
        return -1;
    for (char *line = buf; line && rc == 0; line = save) {
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line == '\0' || *line == '#')
            continue;
        char *eq = strchr(line, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected name = value", path, lineno);
            rc = -1;
            break;
        }
        char *kend = eq;
        while (kend > line && (kend[-1] == ' ' || kend[-1] == '\t'))
            kend--;
        const struct opt *o = find_opt(line, (size_t)(kend - line));
        if (!o) {
            snprintf(err, errlen, "%s:%d: unknown option %.*s", path, lineno,
                     (int)(kend - line) > 40 ? 40 : (int)(kend - line), line);
            rc = -1;
            break;
        }
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vlen = strlen(v);
        if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
            v[vlen - 1] = '\0';
            v++;
        }
        char sub[256];
        if (set_opt(c, o, v, sub, sizeof sub) < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, lineno, sub);
            rc = -1;
        }
    }
    sodium_like_wipe(buf, n);
    free(buf);
    return rc;
}

int hilo_config_load(struct hilo_config *c, char **envp, int argc, char **argv, int *argi,
                     char *err, size_t errlen)
{
    char name[64];

    for (char **e = envp; e && *e; e++) {
        if (strncmp(*e, "HILO_", 5) != 0)
            continue;
        for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
            env_name(&opts[i], name, sizeof name);
            size_t n = strlen(name);
            if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
                if (set_opt(c, &opts[i], *e + n + 1, err, errlen) < 0)
                    return -1;
            }
        }
    }
    /* HILO_<NAME>_FILE wins over HILO_<NAME>: the value is the file's content
     * (one trailing newline dropped), so secrets stay out of the environment
     * listing too (systemd credentials, Docker/Kubernetes secrets). */
    for (char **e = envp; e && *e; e++) {
        if (strncmp(*e, "HILO_", 5) != 0)
            continue;
        for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
            env_name(&opts[i], name, sizeof name);
            size_t n = strlen(name);
            if (strncmp(*e, name, n) == 0 && strncmp(*e + n, "_FILE=", 6) == 0) {
                if (set_from_file(c, &opts[i], *e + n + 6, err, errlen) < 0)
                    return -1;
            }
        }
    }
    while (*argi < argc) {
        const char *a = argv[*argi];
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "--help") == 0 || strcmp(a, "--version") == 0)
            break;
        int r = hilo_config_flag(c, argc, argv, argi, err, errlen);
        if (r < 0)
            return -1;
        if (r == 0) {
            size_t alen = strcspn(a, "=");
            snprintf(err, errlen, "unknown option %.*s (see hilo --help)", (int)alen, a);
            return -1;
        }
    }
    return 0;
}

int hilo_config_flag(struct hilo_config *c, int argc, char **argv, int *argi, char *err,
                     size_t errlen)
{
    char name[64];
    const char *a = argv[*argi];
    const char *eq = strchr(a, '=');
    size_t alen = eq ? (size_t)(eq - a) : strlen(a);
    const struct opt *o = NULL;

    int is_config = alen == 8 && strncmp(a, "--config", 8) == 0;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0] && !is_config; i++) {
        flag_name(&opts[i], name, sizeof name);
        if (strlen(name) == alen && strncmp(name, a, alen) == 0)
            o = &opts[i];
    }
    if (!o && !is_config)
        return 0;
    const char *v = eq ? eq + 1 : NULL;
    if (!v) {
        if (*argi + 1 >= argc) {
            snprintf(err, errlen, "option %.*s needs a value", (int)alen, a);
            return -1;
        }
        v = argv[++*argi];
    }
    if (is_config) {
        if (load_file(c, v, err, errlen) < 0)
            return -1;
    } else {
        if (set_opt(c, o, v, err, errlen) < 0)
            return -1;
        /* argv is readable by every local user in /proc/<pid>/cmdline */
        if (o->secret && v[0])
            c->argv_secrets[(o - opts) / 8] |= (unsigned char)(1u << ((o - opts) % 8));
    }
    ++*argi;
    return 1;
}

void hilo_config_warn(const struct hilo_config *c)
{
    char flag[64], env[64];
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        if (!(c->argv_secrets[i / 8] & (1u << (i % 8))))
            continue;
        flag_name(&opts[i], flag, sizeof flag);
        env_name(&opts[i], env, sizeof env);
        hilo_warn("option %s: a secret on the command line is visible to other local users; "
                  "use %s_FILE, %s or --config", flag, env, env);
    }
}

int hilo_config_validate(struct hilo_config *c, char *err, size_t errlen)
{
    enum hilo_log_level lvl;
    const char *colon = strrchr(c->listen, ':');
    char *end = NULL;
    long port;

    if (!colon || colon == c->listen) {
        snprintf(err, errlen, "option listen: '%s' is not host:port", c->listen);
        return -1;
    }
    port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535) {
        snprintf(err, errlen, "option listen: bad port in '%s'", c->listen);
        return -1;
    }
    free(c->listen_host);
    c->listen_host = strndup(c->listen, (size_t)(colon - c->listen));
    c->listen_port = (int)port;
    if (hilo_log_parse_level(c->log_level, &lvl) < 0) {
        snprintf(err, errlen, "option log_level: '%s' is not debug, info, warn or error", c->log_level);
        return -1;
    }
    enum hilo_log_format fmt;
    if (hilo_log_parse_format(c->log_format, &fmt) < 0) {
        snprintf(err, errlen, "option log_format: '%s' is not text or json", c->log_format);
        return -1;
    }
    if (c->prefix[0] == '\0' || strpbrk(c->prefix, " {}\r\n")) {
        snprintf(err, errlen, "option prefix: must be non-empty without spaces or braces");
        return -1;
    }
    if (strcmp(c->default_locale, "es") != 0 && strcmp(c->default_locale, "en") != 0) {
        snprintf(err, errlen, "option default_locale: must be es or en");
        return -1;
    }
    if (c->survey && c->public_url[0] && c->smtp_url[0] && !c->survey_secret[0]) {
        /* a per-process random key would make links from one instance fail
         * on the others and after every restart */
        snprintf(err, errlen, "option survey_secret: needed with survey, smtp_url and public_url "
                 "(it signs the one-click links in emails; every instance must share it)");
        return -1;
    }
    if (c->webhook_url[0] && !c->webhook_secret[0]) {
        snprintf(err, errlen, "option webhook_secret: needed with webhook_url");
        return -1;
    }
    if (c->msg_burst < 1) {
        snprintf(err, errlen, "option msg_burst: must be at least 1");
        return -1;
    }
    struct hilo_hours hours;
    if (hilo_hours_parse(c->sla_hours, &hours) < 0) {
        snprintf(err, errlen, "option sla_hours: '%s' is not a schedule like "
                 "'mon-fri 09:00-18:00; sat 10:00-14:00' or '24x7'", c->sla_hours);
        return -1;
    }
    if (c->tls_cert[0] && strncmp(c->public_url, "http://", 7) == 0) {
        snprintf(err, errlen, "option public_url: '%s' is http:// but tls_cert makes Hilo "
                 "serve https://", c->public_url);
        return -1;
    }
    if (!c->tls_cert[0] && (c->tls_key[0] || c->tls_chain[0])) {
        snprintf(err, errlen, "option tls_cert: needed with tls_key and tls_chain");
        return -1;
    }
    if (c->tls_cert[0] && !c->tls_key[0]) {
        snprintf(err, errlen, "option tls_key: needed with tls_cert");
        return -1;
    }
    if (c->sla_holidays && *c->sla_holidays) {
        char hb[1024], *save = NULL;
        snprintf(hb, sizeof hb, "%s", c->sla_holidays);
        for (char *d = strtok_r(hb, ", ", &save); d; d = strtok_r(NULL, ", ", &save))
            if (hilo_hours_date_parse(d) < 0 || strlen(c->sla_holidays) >= sizeof hb) {
                snprintf(err, errlen, "option sla_holidays: '%s' is not a list of dates like "
                         "'2026-12-25,2027-01-01'", c->sla_holidays);
                return -1;
            }
    }
    if (!hilo_hours_tz_ok(c->sla_timezone)) {
        snprintf(err, errlen, "option sla_timezone: '%s' is not an IANA time zone", c->sla_timezone);
        return -1;
    }
    if (hilo_route_config_check(c, err, errlen) < 0)
        return -1;
    return 0;
}

void hilo_config_print_help(FILE *f)
{
    char flag[64], env[64];
    fprintf(f, "Options (flag, or environment variable; HILO_<NAME>_FILE reads the value "
               "from a file):\n"
               "  --config FILE\n"
               "      Reads 'name = value' lines (name as the flag without dashes); later "
               "flags override it.\n");
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        flag_name(&opts[i], flag, sizeof flag);
        env_name(&opts[i], env, sizeof env);
        fprintf(f, "  %s %s  (%s, default \"%s\")\n      %s\n", flag,
                opts[i].type == OPT_INT ? "N" : "VALUE", env, opts[i].def, opts[i].help);
    }
}

void hilo_config_print_markdown(FILE *f)
{
    char flag[64], env[64];
    fprintf(f, "# Configuration\n\n"
               "Generated by `hilo config-doc` from the options table in `src/core/config.c`;\n"
               "a test keeps this file in step with it.\n\n"
               "Every option can be set by a flag or by an environment variable; a flag\n"
               "wins over the environment, which wins over the default. Bad values stop\n"
               "Hilo at start-up with a message naming the option. Secret options are\n"
               "never logged.\n\n"
               "Secrets (marked *secret*) should not be given as flags: the command line\n"
               "is readable by every local user in `/proc`, and Hilo warns when one is.\n"
               "Give them instead\n\n"
               "* as `HILO_<NAME>_FILE=/path/to/file`: the value is the file's content\n"
               "  (one trailing newline dropped); this wins over `HILO_<NAME>`. It suits\n"
               "  systemd credentials and Docker or Kubernetes secrets; or\n"
               "* in a file given with `--config FILE`: one `name = value` per line, the\n"
               "  name as the flag without its dashes (`redis-url` or `redis_url`), `#`\n"
               "  starts a comment line, a value may be wrapped in double quotes. Flags\n"
               "  after `--config` override the file; errors name the file and line, never\n"
               "  a secret's value. Keep the file readable by Hilo's user only.\n\n"
               "| flag | environment | default | range | what |\n"
               "|------|-------------|---------|-------|------|\n");
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        char range[64] = "";
        flag_name(&opts[i], flag, sizeof flag);
        env_name(&opts[i], env, sizeof env);
        if (opts[i].type == OPT_INT)
            snprintf(range, sizeof range, "%ld–%ld", opts[i].min, opts[i].max);
        fprintf(f, "| `%s` | `%s` | `%s` | %s | %s%s |\n", flag, env, opts[i].def, range,
                opts[i].help, opts[i].secret ? " (secret)" : "");
    }
}
