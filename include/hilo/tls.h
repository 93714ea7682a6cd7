/* TLS served by Hilo itself: HTTPS and WSS on the listening port when
 * tls_cert and tls_key are set (docs/security.md "TLS"). The certificate is
 * checked with OpenSSL before anything starts, and can be reloaded on
 * SIGHUP: connections already open keep the certificate they were opened
 * with, new ones get the new one. */
#ifndef HILO_TLS_H
#define HILO_TLS_H

#include <stddef.h>

struct hilo_config;
struct hilo_net;

/* Is TLS configured (tls_cert set)? */
int hilo_tls_enabled(const struct hilo_config *cfg);

/* Reads tls_cert (the certificate, optionally followed by its chain),
 * tls_chain (more chain certificates, optional) and tls_key, and checks
 * that they are readable PEM, that the key is the certificate's (not
 * encrypted), and that the certificate is valid now. 0 (also when TLS is
 * off), or -1 with a message naming the option and file in err. Logs a
 * warning when the certificate expires within 14 days. */
int hilo_tls_check(const struct hilo_config *cfg, char *err, size_t errlen);

/* Re-reads the files named by the configuration (the same paths), checks
 * them as hilo_tls_check does and, only when they pass, makes them the
 * certificate of every new TLS connection. Connections already open are
 * not touched. 0, or -1 with the reason in err (the certificate in use
 * stays); -1 too when TLS is off or not started. */
int hilo_tls_reload(struct hilo_net *n, char *err, size_t errlen);

#endif
