/* Files and photos a customer uploads from the widget (docs/widget.md
 * "Files and photos"): what a file is (by its first bytes, never by its
 * declared type or name), its shown name and its id. Pure; the HTTP part is
 * src/api/uploads.c and src/api/upload_serve.c, the Redis part
 * store_uploads.h. */
#ifndef HILO_UPLOAD_H
#define HILO_UPLOAD_H

#include <stddef.h>

struct hilo_net;
struct hilo_server;

#define HILO_UPLOAD_ID_LEN 33   /* "u" + 32 hex digits */
#define HILO_UPLOAD_NAME_MAX 100 /* bytes of a shown file name */

/* The type of the file its magic bytes say: "image/png", "image/jpeg",
 * "image/gif", "image/webp" or "application/pdf"; NULL for anything else
 * (HTML, SVG, scripts, archives, ...). */
const char *hilo_upload_sniff(const unsigned char *p, size_t n);
/* A file name fit to show and to store: the part after the last '/' or
 * '\\', without control characters, quotes, '<' or '>', at most
 * HILO_UPLOAD_NAME_MAX bytes (cut on a UTF-8 boundary); "" or NULL becomes
 * "file" plus the type's extension. cap > HILO_UPLOAD_NAME_MAX. */
void hilo_upload_name(const char *in, const char *mime, char *out, size_t cap);
/* A new random id ("u" + 32 hex), out holds HILO_UPLOAD_ID_LEN + 1. */
void hilo_upload_new_id(char *out);
/* 1 when id has that form. */
int hilo_upload_id_ok(const char *id);
/* The static string hilo_upload_sniff returns for mime, or NULL for a type
 * it never returns (a stored record read back). */
const char *hilo_upload_mime_known(const char *mime);

/* POST /api/v1/widget/uploads and GET /api/v1/media/upload/:id (with their
 * CORS preflights); s is borrowed for the life of the net. 0 or -errno. */
int hilo_api_upload_routes(struct hilo_net *n, struct hilo_server *s);

#endif
