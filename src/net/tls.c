/* TLS served by Hilo itself: the certificate, its chain and key are read
 * and checked here with OpenSSL, then installed into the SSL_CTX of the lws
 * vhost (ws.c asks lws for an empty one and hands it over at
 * LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS). A reload builds and
 * checks the new material completely before it replaces the old one in a
 * single call; an SSL object copies the context's certificate when its
 * connection is accepted, so open connections keep theirs. */
#include "hilo/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hilo/config.h"
#include "hilo/log.h"
#include "internal.h"

#define EXPIRY_WARN_DAYS 14

struct material {
    X509 *leaf;
    STACK_OF(X509) *chain;
    EVP_PKEY *key;
};

static void material_free(struct material *m)
{
    X509_free(m->leaf);
    sk_X509_pop_free(m->chain, X509_free);
    EVP_PKEY_free(m->key);
    memset(m, 0, sizeof *m);
}

int hilo_tls_enabled(const struct hilo_config *cfg) { return cfg && cfg->tls_cert && cfg->tls_cert[0]; }

/* OpenSSL's reason for the last failure, or fallback. */
static const char *ssl_reason(const char *fallback)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    return r ? r : fallback;
}

/* A key needing a passphrase is refused rather than prompted for. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

static BIO *open_pem(const char *opt, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    BIO *b;
    if (!f) {
        snprintf(err, errlen, "option %s: cannot read %s: %s", opt, path, strerror(errno));
        return NULL;
    }
    b = BIO_new_fp(f, BIO_CLOSE);
    if (!b) {
        fclose(f);
        snprintf(err, errlen, "option %s: out of memory", opt);
    }
    return b;
}

/* Appends every certificate of the PEM file to m->chain (the first to
 * m->leaf when it has none yet). The number read, or -1. */
static int read_certs(const char *opt, const char *path, struct material *m, char *err,
                      size_t errlen)
{
    BIO *b = open_pem(opt, path, err, errlen);
    X509 *x;
    int n = 0;

    if (!b)
        return -1;
    ERR_clear_error();
    while ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL))) {
        if (!m->leaf) {
            m->leaf = x;
        } else if (!sk_X509_push(m->chain, x)) {
            X509_free(x);
            BIO_free(b);
            snprintf(err, errlen, "option %s: out of memory", opt);
            return -1;
        }
        n++;
    }
    /* the end of the file is "no start line"; anything else is damage */
    if (ERR_GET_REASON(ERR_peek_last_error()) != PEM_R_NO_START_LINE || n == 0) {
        snprintf(err, errlen, "option %s: %s holds no readable PEM certificate (%s)", opt, path,
                 n ? ssl_reason("damaged") : "no -----BEGIN CERTIFICATE----- block");
        BIO_free(b);
        return -1;
    }
    ERR_clear_error();
    BIO_free(b);
    return n;
}

static void time_text(const ASN1_TIME *t, char *out, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    int len = 0;
    out[0] = '\0';
    if (b && ASN1_TIME_print(b, t) && (len = BIO_read(b, out, (int)n - 1)) > 0)
        out[len] = '\0';
    BIO_free(b);
}

/* Reads and checks the configured files into m; warn: log what is about
 * to expire. 0 or -1 (err set). */
static int material_load(const struct hilo_config *cfg, struct material *m, int warn,
                         char *err, size_t errlen)
{
    BIO *b;
    char when[64];
    int days = 0, secs = 0;

    memset(m, 0, sizeof *m);
    if (!cfg->tls_key || !cfg->tls_key[0]) {
        snprintf(err, errlen, "option tls_key: needed with tls_cert");
        return -1;
    }
    if (!(m->chain = sk_X509_new_null())) {
        snprintf(err, errlen, "option tls_cert: out of memory");
        return -1;
    }
    if (read_certs("tls_cert", cfg->tls_cert, m, err, errlen) < 0 ||
        (cfg->tls_chain && cfg->tls_chain[0] &&
         read_certs("tls_chain", cfg->tls_chain, m, err, errlen) < 0))
        goto fail;
    if (!(b = open_pem("tls_key", cfg->tls_key, err, errlen)))
        goto fail;
    ERR_clear_error();
    m->key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
    BIO_free(b);
    if (!m->key) {
        snprintf(err, errlen,
                 "option tls_key: %s holds no readable, unencrypted PEM private key (%s)",
                 cfg->tls_key, ssl_reason("no key"));
        goto fail;
    }
    if (X509_check_private_key(m->leaf, m->key) != 1) {
        snprintf(err, errlen,
                 "option tls_key: the key in %s does not match the certificate in %s",
                 cfg->tls_key, cfg->tls_cert);
        goto fail;
    }
    if (X509_cmp_current_time(X509_get0_notAfter(m->leaf)) <= 0) {
        time_text(X509_get0_notAfter(m->leaf), when, sizeof when);
        snprintf(err, errlen, "option tls_cert: the certificate in %s expired on %s",
                 cfg->tls_cert, when);
        goto fail;
    }
    if (X509_cmp_current_time(X509_get0_notBefore(m->leaf)) >= 0) {
        time_text(X509_get0_notBefore(m->leaf), when, sizeof when);
        snprintf(err, errlen, "option tls_cert: the certificate in %s is not valid before %s",
                 cfg->tls_cert, when);
        goto fail;
    }
    if (warn && ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(m->leaf)) &&
        days < EXPIRY_WARN_DAYS) {
        time_text(X509_get0_notAfter(m->leaf), when, sizeof when);
        hilo_warn("tls_cert %s expires on %s: renew it and send SIGHUP", cfg->tls_cert, when);
    }
    /* an expired chain certificate is only warned about: chains may carry
     * an expired cross-signature on purpose, for old clients */
    for (int i = 0; warn && i < sk_X509_num(m->chain); i++)
        if (X509_cmp_current_time(X509_get0_notAfter(sk_X509_value(m->chain, i))) <= 0)
            hilo_warn("tls_cert: chain certificate %d has expired; clients may refuse the chain",
                      i + 1);
    return 0;
fail:
    ERR_clear_error();
    material_free(m);
    return -1;
}

int hilo_tls_check(const struct hilo_config *cfg, char *err, size_t errlen)
{
    struct material m;

    if (!hilo_tls_enabled(cfg)) {
        if ((cfg->tls_key && cfg->tls_key[0]) || (cfg->tls_chain && cfg->tls_chain[0])) {
            snprintf(err, errlen, "option tls_cert: needed with tls_key and tls_chain");
            return -1;
        }
        return 0;
    }
    if (material_load(cfg, &m, 1, err, errlen) < 0)
        return -1;
    material_free(&m);
    return 0;
}

/* Replaces the certificate, chain and key of ctx at once (a checked set:
 * the key was matched to the certificate in material_load). */
static int material_install(SSL_CTX *ctx, struct material *m, char *err, size_t errlen)
{
    ERR_clear_error();
    if (SSL_CTX_use_cert_and_key(ctx, m->leaf, m->key, m->chain, 1) != 1) {
        snprintf(err, errlen, "option tls_cert: OpenSSL refused the certificate: %s",
                 ssl_reason("unknown error"));
        ERR_clear_error();
        return -1;
    }
    return 0;
}

int hilo_net_tls_setup(struct hilo_net *n, void *ssl_ctx)
{
    struct material m;
    char err[512];
    SSL_CTX *ctx = ssl_ctx;

    if (!n || !ctx || !hilo_tls_enabled(n->cfg))
        return -1;
    /* TLS 1.2 or later; the protocol is http/1.1 (see ws.c) */
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (material_load(n->cfg, &m, 0, err, sizeof err) < 0) {
        hilo_error("%s", err);
        return -1;
    }
    if (material_install(ctx, &m, err, sizeof err) < 0) {
        hilo_error("%s", err);
        material_free(&m);
        return -1;
    }
    material_free(&m);
    n->ssl_ctx = ctx;
    return 0;
}

int hilo_tls_reload(struct hilo_net *n, char *err, size_t errlen)
{
    struct material m;
    int rc;

    if (!n || !hilo_tls_enabled(n->cfg) || !n->ssl_ctx) {
        snprintf(err, errlen, "TLS is off (no tls_cert): nothing to reload");
        return -1;
    }
    if (material_load(n->cfg, &m, 1, err, errlen) < 0)
        return -1;
    rc = material_install(n->ssl_ctx, &m, err, errlen);
    material_free(&m);
    return rc;
}
