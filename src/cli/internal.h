/* Shared by the command-line tools in src/cli. */
#ifndef HILO_CLI_INTERNAL_H
#define HILO_CLI_INTERNAL_H

#include <hiredis/hiredis.h>

#include "hilo/store.h"

/* Blocking connection (5 s timeout) with AUTH and SELECT from the URL;
 * prints why on stderr and returns NULL on failure. */
redisContext *hilo_cli_connect(const char *url);

/* Sends a command built by a store op's _argv (built: its return code) and
 * returns the reply (the caller frees it), or NULL: not built, or no reply. */
redisReply *hilo_cli_cmd(redisContext *rc, int built, const struct hilo_store_cmd *c);

#endif
