/* Options: one table drives flags, HILO_* environment variables, --help and
 * docs/config.md. Flags win over the environment, which wins over defaults. */
#ifndef HILO_CONFIG_H
#define HILO_CONFIG_H

#include <stdio.h>

struct hilo_config {
    char *listen;          /* "host:port" as given */
    char *listen_host;     /* derived from listen */
    int listen_port;       /* derived from listen */
    char *redis_url;       /* "" = embedded private redis-server */
    char *prefix;
    char *web_root;
    char *var_dir;
    char *redis_server;
    int redis_connect_timeout_ms;
    int redis_timeout_ms;
    int max_frame;
    int max_text;
    int msg_rate;
    int msg_burst;
    int send_queue;
    int max_conns;
    int max_conns_per_ip;
    int agent_reserve_pct;
    char *trusted_proxies;
    int session_ttl;
    int login_fail_max;
    int login_ip_fail_max;
    int login_fail_window;
    int login_lockout_ms;
    int login_hashes;
    int login_queue;
    int ack_eta_minutes;
    char *widget_origins;
    char *console_origins;
    char *identity_secret;
    int identity_max_age;
    char *public_url;
    char *log_level;
    char *log_format;
    char *default_locale;
    char *whatsapp_verify_token;
    char *whatsapp_app_secret;
    char *whatsapp_token;
    char *whatsapp_phone_number_id;
    char *whatsapp_api_base;
    char *twilio_account_sid;
    char *twilio_auth_token;
    char *twilio_from;
    char *twilio_whatsapp_from;
    char *twilio_api_base;
    char *mailgun_signing_key;
    char *smtp_url;
    char *smtp_user;
    char *smtp_password;
    int smtp_plain; /* 1: SMTP without TLS allowed (local relays, test sinks) */
    char *support_email;
    int outbox_attempts;
    int outbox_backoff_ms;
    int http_timeout_ms;
    int media_max_bytes;
    char *webhook_url;
    char *webhook_secret;
    int test_clock; /* 1: POST /test/clock moves hilo_now_ms (tests only) */
    /* verified continuity */
    int ref_attempts_identity;
    int ref_attempts_ticket;
    int ref_attempts_ip;
    int ref_attempt_window;
    int ticket_rate_per_ip;  /* tickets per address per window; 0 = off */
    int ticket_rate_window;  /* seconds */
    /* business hours and the customer's last word (docs/sla.md) */
    int thanks_window_minutes;
    char *sla_timezone;
    char *sla_hours;
    int live_gap_check_ms; /* live gap check period; 0: off */
    char *metrics_token;   /* GET /metrics bearer token; empty: loopback only */
    /* TLS served by Hilo itself (include/hilo/tls.h) */
    char *tls_cert;        /* PEM certificate (and chain); empty: plain HTTP */
    char *tls_key;         /* PEM private key of tls_cert */
    char *tls_chain;       /* more PEM chain certificates; optional */
    int hsts_max_age;      /* Strict-Transport-Security max-age with TLS; 0: no header */
    /* SLA: the default team's targets (docs/sla.md) */
    char *sla_holidays;
    int sla_first_response_minutes;
    int sla_resolution_minutes;
    int sla_warning_minutes;
    char *survey_secret;   /* signs the email survey links */
    int survey_link_hours; /* how long a survey link works */
    int survey;            /* 1: ask for satisfaction after a resolution */
    /* routing at send time, WhatsApp windows, unread web replies
     * (docs/continuity.md "Routing") */
    char *route_order;       /* "web,whatsapp,template,sms,email" */
    char *wa_closed_policy;  /* "template", "hold" or "fallback" */
    char *wa_template_ack, *wa_template_update, *wa_template_resolution,
        *wa_template_survey, *wa_template_nudge; /* "name:lang[:params]" */
    int wa_nudge_minutes;    /* 0: no nudge */
    int unread_minutes;      /* 0: web replies are not sent again */
    /* the widget's file uploads (docs/widget.md "Files and photos") */
    int upload_max_bytes;      /* largest file accepted */
    int upload_retention_days; /* TTL of an uploaded file in Redis */
    int upload_rate_per_ip;    /* uploads per address per window; 0 = off */
    int upload_rate_window;    /* seconds */
    int upload_mib_per_day;          /* MiB all customers may upload in 24 h; 0 = off */
    int upload_customer_mib_per_day; /* MiB one customer may upload in 24 h; 0 = off */
    int upload_ip_mib_per_day;       /* MiB one address (IPv6: /64) may upload in 24 h */
    /* options given as flags that are secrets, one bit per option */
    unsigned char argv_secrets[32];
};

/* Sets every option to its default. Free with hilo_config_deinit. */
void hilo_config_init(struct hilo_config *c);
void hilo_config_deinit(struct hilo_config *c);

/* Applies HILO_* variables from envp (NULL-terminated "K=V" list), then the
 * flags in argv[*argi..] up to the first argument that is not an option;
 * *argi is left there. On error returns -1 with a message naming the option
 * in err. Flags take "--name value" or "--name=value". */
int hilo_config_load(struct hilo_config *c, char **envp, int argc, char **argv,
                     int *argi, char *err, size_t errlen);

/* Consumes one option flag at argv[*argi] (and its value). Returns 1 when
 * consumed, 0 when argv[*argi] is not one of ours, -1 on a bad value. */
int hilo_config_flag(struct hilo_config *c, int argc, char **argv, int *argi, char *err,
                     size_t errlen);

/* Logs a warning for each secret that came from the command line (call
 * once logging is set up). */
void hilo_config_warn(const struct hilo_config *c);

/* Checks cross-field rules and derives listen_host/listen_port. */
int hilo_config_validate(struct hilo_config *c, char *err, size_t errlen);

void hilo_config_print_help(FILE *f);
void hilo_config_print_markdown(FILE *f);

#endif
